module.exports = {
  apps: [
    {
      name: 'web',
      script: 'app.js',
      node_args: '--import clarifai-secrets/register',
    },
  ],
};
