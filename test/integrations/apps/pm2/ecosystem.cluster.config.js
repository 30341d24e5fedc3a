module.exports = {
  apps: [
    {
      name: 'web',
      script: 'app.js',
      node_args: '--import clarifai-secrets/register',
      exec_mode: 'cluster',
      instances: 2,
    },
  ],
};
