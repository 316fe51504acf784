#!/bin/sh
# Builds DATABASE_URL from a password kept in a secret file, so that no
# password sits in the compose file, the image or the environment listing.
# Then execs the command: node is PID 1's child-free successor and receives SIGTERM itself.
set -eu
if [ -z "${DATABASE_URL:-}" ] && [ -n "${DATABASE_PASSWORD_FILE:-}" ]; then
  password="$(cat "$DATABASE_PASSWORD_FILE")"
  DATABASE_URL="postgres://${DATABASE_USER:-cert}:${password}@${DATABASE_HOST:-postgres}:${DATABASE_PORT:-5432}/${DATABASE_NAME:-cert}"
  export DATABASE_URL
fi
exec "$@"
