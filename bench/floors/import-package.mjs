// Loads the package and calls nothing: the cost of parsing and evaluating dist/index.js.
import 'clarifai-secrets';
