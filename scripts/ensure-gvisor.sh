#!/usr/bin/env bash
# Installs gVisor (Debian's runsc) and registers it with the local Docker engine as two runtimes:
#   runsc      sandboxes: ptrace platform (KVM hangs on many VMs), no network stack at all
#   runsc-net  setup containers: gVisor passes the container's own network namespace through
#              (its own netstack cannot start inside Docker's bridge network)
# Idempotent: when both runtimes are registered it changes nothing. It never restarts dockerd (that
# would stop every running sandbox); it merges /etc/docker/daemon.json and sends dockerd a SIGHUP,
# which reloads the runtimes. Wherever this cannot work (not root, not Debian, a remote engine, no
# package) it says so and exits 0: Sandpit then runs sandboxes with runc (see SANDPIT_DOCKER_RUNTIME).
set -euo pipefail

log() { printf '[gvisor] %s\n' "$*" >&2; }
skip() {
  log "$* — sandboxes will run with runc (see SECURITY.md, Runtimes)"
  exit 0
}

DAEMON_JSON="${SANDPIT_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"

registered() { docker info --format '{{json .Runtimes}}' 2>/dev/null | jq -e 'has("runsc") and has("runsc-net")' >/dev/null; }

if [ "${SANDPIT_DOCKER_RUNTIME:-auto}" = runc ]; then
  log "SANDPIT_DOCKER_RUNTIME=runc: not installing gVisor"
  exit 0
fi
# Debian 12's own runsc (20221219) refuses statx with AT_NO_AUTOMOUNT, so `ls -l` and `stat` fail
# inside its sandboxes; bookworm-backports carries a release without that bug.
MIN_VERSION=20240729
runsc_version() { runsc --version 2>/dev/null | sed -n 's/^runsc version [0-9.]*~\{0,1\}\([0-9]\{8\}\).*/\1/p' | head -1; }
current_enough() { command -v runsc >/dev/null 2>&1 && [ "$(runsc_version || echo 0)" -ge "$MIN_VERSION" ] 2>/dev/null; }

if registered && current_enough; then
  log "runsc $(runsc_version) registered as runsc and runsc-net"
  exit 0
fi
[ -z "${DOCKER_HOST:-}" ] || skip "DOCKER_HOST points at another engine; register runsc there yourself"
[ "$(id -u)" = 0 ] || skip "not root, cannot install runsc or edit $DAEMON_JSON"
pid="$(pidof dockerd || true)"
[ -n "$pid" ] || skip "no local dockerd process to reload"

apt_install() { apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@" >/dev/null 2>&1; }
# jq edits daemon.json; a fresh Debian host may not have it.
if ! command -v jq >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || skip "jq is missing (install jq)"
  export DEBIAN_FRONTEND=noninteractive
  apt_install jq || { apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true; apt_install jq; } || skip "jq could not be installed"
fi
if ! current_enough; then
  command -v apt-get >/dev/null 2>&1 || skip "runsc $MIN_VERSION or newer is not installed and apt-get is missing"
  export DEBIAN_FRONTEND=noninteractive
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  if [ "$codename" = bookworm ]; then
    list=/etc/apt/sources.list.d/sandpit-bookworm-backports.list
    # Backports have priority 100: only packages asked for with -t come from there.
    [ -f "$list" ] || echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
    log "installing runsc from bookworm-backports"
    apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true
    apt_install -t bookworm-backports runsc || skip "the runsc package could not be installed from bookworm-backports"
  else
    log "installing Debian's runsc"
    apt_install runsc || { apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true; apt_install runsc; } ||
      skip "the runsc package could not be installed"
  fi
  current_enough || skip "runsc $(runsc_version) is older than $MIN_VERSION (its sandboxes break ls and stat)"
fi
runsc_path="$(command -v runsc)"

# Merge, keeping every other setting and runtime the file already has.
mkdir -p "$(dirname "$DAEMON_JSON")"
current='{}'
if [ -s "$DAEMON_JSON" ]; then
  current="$(cat "$DAEMON_JSON")"
  printf '%s' "$current" | jq -e 'type == "object"' >/dev/null 2>&1 || skip "$DAEMON_JSON is not a JSON object; not touching it"
fi
merged="$(printf '%s' "$current" | jq --arg path "$runsc_path" '
  .runtimes = (.runtimes // {}) + {
    "runsc": { "path": $path, "runtimeArgs": ["--platform=ptrace", "--network=none"] },
    "runsc-net": { "path": $path, "runtimeArgs": ["--platform=ptrace", "--network=host"] }
  }')"
if [ "$merged" != "$current" ]; then
  tmp="$(mktemp "$DAEMON_JSON.XXXXXX")"
  printf '%s\n' "$merged" >"$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$DAEMON_JSON"
  log "registered runsc and runsc-net in $DAEMON_JSON"
fi

log "reloading dockerd (SIGHUP; running containers keep running)"
kill -HUP "$pid"
for _ in $(seq 1 40); do
  if registered; then
    log "runsc and runsc-net registered ($("$runsc_path" --version 2>/dev/null | head -1))"
    exit 0
  fi
  sleep 0.5
done
skip "dockerd did not list runsc after the reload (see its log)"
