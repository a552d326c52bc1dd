#!/usr/bin/env bash
# Sandpit's HTTP server (scripts/server.mjs, with the arguments given here) as this very process: one
# Node.js process serves, with no shell left around it. Every way of starting the server goes through
# here: `npm start`, `npm run serve`, the servers of the tests, benchmarks and browser tests, and the
# systemd unit of docs/deploy.md.
#   bash scripts/serve.sh [-p port] [-H host]
# --max-semi-space-size=2 (MiB): V8 lets each of the young generation's semi-spaces grow to 16 MiB, and
# an idle server keeps what they grew to at start. Capped, an idle server holds some 15 to 35 MiB less
# (`npm run bench -- idle-memory`), for more frequent minor collections under load.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --max-semi-space-size=2 scripts/server.mjs "$@"
