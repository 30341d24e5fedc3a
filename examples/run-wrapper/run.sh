#!/bin/sh
# `clarifai-secrets run` puts your Clarifai secrets into one command's environment, whatever
# the command is. Run it with `npm run demo` (npm puts node_modules/.bin on PATH), or replace
# `clarifai-secrets` with `npx clarifai-secrets` to run it by hand.
set -eu
cd "$(dirname "$0")"

echo '== a Node app'
clarifai-secrets run -- node app.mjs

echo '== any program: sh here, with one secret under a name of its choosing'
clarifai-secrets run --secrets 'API_KEY=OPENAI_API_KEY' -- \
  sh -c 'echo "sh sees API_KEY (${#API_KEY} chars); CLARIFAI_PAT is ${CLARIFAI_PAT:-not passed on}"'

echo '== --mask: a value the program prints by mistake is hidden'
clarifai-secrets run --mask -- sh -c 'echo "debug: key is $OPENAI_API_KEY"'

echo "== the exit status is the program's"
status=0
clarifai-secrets run -- sh -c 'exit 3' || status=$?
echo "exit status: $status"
