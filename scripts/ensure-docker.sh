#!/usr/bin/env bash
# Makes sure a Docker engine answers. Idempotent: when one answers, it changes nothing.
# On a Debian/Ubuntu host as root it installs Debian's docker.io and starts dockerd;
# anywhere else it stops with a message saying how to get Docker.
set -euo pipefail

log() { printf '[docker] %s\n' "$*" >&2; }

# Once the engine answers: the runtimes Sandpit prefers (gVisor, where it installs); never fatal.
runtimes() { bash "$(dirname "$0")/ensure-gvisor.sh" || log "gVisor set-up failed; sandboxes run with runc"; }
# The guarded network setup containers use (egress to this host and private ranges rejected).
setup_network() {
  bash "$(dirname "$0")/ensure-setup-network.sh" || log "setup network rules not installed; doctor and /api/health say why"
}

# xfsprogs: workspace volumes live in an XFS image where the data folder cannot share blocks
# (forks copy them by reflink). Installed on Debian/Ubuntu as root; never fatal without it.
host_tools() {
  command -v mkfs.xfs >/dev/null 2>&1 || [ -x /sbin/mkfs.xfs ] || [ -x /usr/sbin/mkfs.xfs ] && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
  log "installing xfsprogs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 xfsprogs >/dev/null 2>&1 ||
    { apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 && apt-get install -y -qq xfsprogs >/dev/null 2>&1; } ||
    log "xfsprogs could not be installed: forks copy workspace volumes in full"
}

engine_answers() {
  if [ -n "${DOCKER_HOST:-}" ]; then
    docker info >/dev/null 2>&1
  else
    local sock="${DOCKER_SOCKET:-/var/run/docker.sock}"
    [ -S "$sock" ] && DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1
  fi
}

if command -v docker >/dev/null 2>&1 && engine_answers; then
  log "engine ok ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown))"
  runtimes
  setup_network
  host_tools
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  log "DOCKER_HOST=$DOCKER_HOST is set but no Docker engine answers there."
  log "Start that engine, or unset DOCKER_HOST to use the local socket."
  exit 1
fi

is_debian_like() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

if [ "$(id -u)" != 0 ] || ! is_debian_like; then
  log "No Docker engine answers at ${DOCKER_SOCKET:-/var/run/docker.sock}."
  log "Install Docker Engine (https://docs.docker.com/engine/install/), start it, and make sure this user"
  log "can use it (for example: add the user to the 'docker' group), or set DOCKER_HOST to a running engine."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  log "starting docker with systemd"
  systemctl start docker
else
  log "starting dockerd (log: /var/log/sandpit-dockerd.log)"
  setsid nohup dockerd >/var/log/sandpit-dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "engine ok ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown))"
    runtimes
    setup_network
    host_tools
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within 30 s; see /var/log/sandpit-dockerd.log"
exit 1
