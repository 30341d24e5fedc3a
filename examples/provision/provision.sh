#!/bin/sh
# Provisioning from a script or a CI job. Values reach clarifai-secrets on stdin or in a
# file, never as arguments (where `ps` and shell history would keep them).
# Run it with `npm run provision` (npm puts node_modules/.bin on PATH), or with
# `npx clarifai-secrets` in place of `clarifai-secrets`.
set -eu
cd "$(dirname "$0")"

new_secret() {
  node -e "process.stdout.write(require('node:crypto').randomBytes(24).toString('base64url'))"
}

echo '== push: the plan first (names only), then apply it'
clarifai-secrets push team.env --dry-run
clarifai-secrets push team.env

echo '== a generated secret: created on the first run, rotated on the next ones'
if clarifai-secrets list --json | grep -q '"id": "SESSION_SECRET"'; then
  # Through a private temporary file this time: --value-file stores it as is.
  file=$(mktemp)
  trap 'rm -f "$file"' EXIT
  new_secret > "$file"
  clarifai-secrets update SESSION_SECRET --value-file "$file"
else
  new_secret | clarifai-secrets create SESSION_SECRET --description 'signs session cookies'
fi

echo '== what is stored (never values)'
clarifai-secrets list

echo '== pull two of them into a private .env file for local tools'
(umask 077 && clarifai-secrets pull --secrets 'DATABASE_URL FEATURE_FLAGS' > .env.local)
node --env-file=.env.local -e 'console.log("FEATURE_FLAGS, read back by node --env-file:", process.env.FEATURE_FLAGS)'
