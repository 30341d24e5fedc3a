#!/bin/sh
# Container entrypoint. `exec` makes clarifai-secrets PID 1: it loads the secrets, starts the
# server as its child, passes `docker stop`'s SIGTERM (and SIGINT, SIGHUP, ...) on to it,
# and exits with the server's status. A failed load stops the container with one line.
#
# The bin is called directly, not through `npx`: npx adds npm and a shell between PID 1 and
# the server, and npm exits on SIGTERM without waiting for them, so the server would never
# hear it and would be killed hard when the container stops.
set -e
cd "$(dirname "$0")"
exec ./node_modules/.bin/clarifai-secrets run -- node server.js "$@"
