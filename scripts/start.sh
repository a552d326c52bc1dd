#!/usr/bin/env bash
# `npm start`: everything Sandpit needs on one machine, then the server on http://127.0.0.1:3000
# (PORT, SANDPIT_HOST), as one Node process.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
npm run --silent image

# Rebuild the app only when a source file is newer than the last build.
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib server images public package.json next.config.ts -newer .next/BUILD_ID -type f -print -quit 2>/dev/null)" ]; then
  echo "[start] building the app"
  npm run --silent build >/tmp/sandpit-next-build.log 2>&1 || { cat /tmp/sandpit-next-build.log; exit 1; }
fi
npx --no-install tsx --conditions=react-server scripts/announce.ts
# The server replaces this script: one Node process serves, with no shell or tsx left around it.
exec bash scripts/serve.sh
