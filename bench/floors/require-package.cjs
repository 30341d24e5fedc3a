// Loads the package and calls nothing: the cost of parsing and evaluating dist/index.cjs.
require('clarifai-secrets');
