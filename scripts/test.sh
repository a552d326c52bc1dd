#!/usr/bin/env bash
# `npm test`: installs and starts what the tests need (Docker engine, Chromium, PostgreSQL, the
# runtime image), then runs lint, format check, typecheck, unit tests, the build, integration tests
# (real Docker, PGlite and PostgreSQL, an S3-protocol server, the running app; the sandbox suites
# once more under runc) and browser tests.
# Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
rm -rf .reports && mkdir -p .reports

# The setup-network tests open ports on this host to setup containers; the rules go back to the
# operator's SANDPIT_SETUP_ALLOW when the run ends, however it ends.
trap 'bash scripts/ensure-setup-network.sh >/dev/null 2>&1 || true' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Docker engine";     bash scripts/ensure-docker.sh
step "Chromium";          bash scripts/ensure-chromium.sh
step "PostgreSQL";        TEST_DATABASE_URL="${TEST_DATABASE_URL:-$(bash scripts/ensure-postgres.sh)}"; export TEST_DATABASE_URL
step "Runtime image";     npm run --silent image
step "Lint";              npx --no-install eslint . --max-warnings=0
step "Format";            npx --no-install prettier --check . --log-level warn
step "Typecheck";         npx --no-install tsc --noEmit
step "Unit tests";        npx --no-install vitest run --project unit --reporter=default --reporter=json --outputFile.json=.reports/unit.json
step "Build";             npm run --silent build > .reports/next-build.log 2>&1 || { cat .reports/next-build.log; exit 1; }
step "Integration tests"; npx --no-install vitest run --project integration --reporter=default --reporter=json --outputFile.json=.reports/integration.json
# The suites above ran under the default runtime (auto: gVisor where it works). Where that is gVisor,
# the containment, run, shell and file suites run again under runc, so both runtimes stay tested.
step "Sandboxes under runc"
if [ "$(npx --no-install tsx --conditions=react-server scripts/runtime.ts)" = runsc ]; then
  SANDPIT_DOCKER_RUNTIME=runc npx --no-install vitest run --project integration --reporter=default --reporter=json \
    --outputFile.json=.reports/integration-runc.json server/sandbox/containment.int.test.ts \
    server/sandbox/runs.int.test.ts server/sandbox/shells.int.test.ts server/sandbox/files.int.test.ts \
    server/sandbox/terminal.int.test.ts
else
  echo "sandboxes already ran under runc above (npm run doctor says why gVisor is not used)"
fi
step "Browser tests";     npx --no-install playwright test
step "Summary";           node scripts/test-summary.mjs
