#!/bin/sh
# The way to add the preload to a command you do not control (npm start, a test runner...).
# Children inherit NODE_OPTIONS but do not fetch again: the parent's marker says it is done.
cd "$(dirname "$0")" || exit 1
NODE_OPTIONS="--import clarifai-secrets/register ${NODE_OPTIONS:-}" exec node server.mjs
