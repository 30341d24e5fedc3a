module.exports = {
  globalSetup: 'clarifai-secrets/register',
};
