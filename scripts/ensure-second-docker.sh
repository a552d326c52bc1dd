#!/usr/bin/env bash
# A second Docker engine on this machine, for the multi-node tests (test/second-engine.ts): a dockerd
# of its own, as a second host would have, beside the main engine and never touching it.
#   bash scripts/ensure-second-docker.sh [IMAGE...]  starts it unless it answers, gives it the main
#                                                    engine's runtimes and the IMAGEs; prints its DOCKER_HOST
#   bash scripts/ensure-second-docker.sh --stop      removes its containers and stops it (its data root stays)
#
# It has its own socket (/run/sandpit-test-docker2.sock), data root, exec root, pidfile, config file,
# containerd namespace and network namespace (`ip netns` sandpit-test-docker2). It has no bridge and leaves iptables and sysctls alone (--bridge=none
# --iptables=false --ip6tables=false --ip-forward=false): sandboxes run with --network=none, and the
# main engine's docker0 and rules stay as they are. Setups need a network, so this engine does not run
# them. The runtimes the main engine has beside runc (gVisor's runsc, runsc-net) are registered here
# alike. Each IMAGE is copied from the main engine (docker save | docker load) when this engine does not
# have it with the same id; older tags of the same repository are removed here.
#
# Its data root (/var/lib/sandpit-test-docker2; SANDPIT_TEST_DOCKER2_DIR moves it) is kept when it stops,
# so that the next start finds the images. Needs root and the dockerd binary (scripts/ensure-docker.sh).
set -euo pipefail

NAME=sandpit-test-docker2
STATE="${SANDPIT_TEST_DOCKER2_DIR:-/var/lib/$NAME}"
SOCK="/run/$NAME.sock"
HOST="unix://$SOCK"
EXEC_ROOT="/run/$NAME"
PIDFILE="/run/$NAME.pid"
CONFIG="$STATE/daemon.json"
LOG="$STATE/dockerd.log"

log() { printf '[docker2] %s\n' "$*" >&2; }
second() { docker -H "$HOST" "$@"; }
answers() { [ -S "$SOCK" ] && second info >/dev/null 2>&1; }
running_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

[ "$(id -u)" = 0 ] || { log "needs root (it starts a dockerd)"; exit 1; }
command -v dockerd >/dev/null 2>&1 || { log "dockerd is missing: run scripts/ensure-docker.sh first"; exit 1; }
mkdir -p "$STATE"
# One caller at a time: a second test process waits for the first one's start and image copy.
# (dockerd must not inherit the lock: it is closed for it below.)
exec 9>"$STATE/.lock"
flock 9

if [ "${1:-}" = --stop ]; then
  if answers; then
    ids="$(second ps -aq)"
    [ -z "$ids" ] || second rm -f $ids >/dev/null
  fi
  pid="$(running_pid || true)"
  if [ -n "$pid" ]; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -0 "$pid" 2>/dev/null && { log "dockerd $pid did not stop within 30 s; see $LOG"; exit 1; }
    log "stopped (data root $STATE/root kept)"
  fi
  exit 0
fi

# The main engine's runtimes besides runc, as this engine's config (rewritten when they change).
main_runtimes="$(docker info --format '{{json .Runtimes}}')"
config="$(node -e '
  const runtimes = JSON.parse(process.argv[1]);
  const own = {};
  for (const [name, value] of Object.entries(runtimes))
    if (name !== "runc" && !name.startsWith("io.containerd.") && value && value.path)
      own[name] = value.runtimeArgs ? { path: value.path, runtimeArgs: value.runtimeArgs } : { path: value.path };
  process.stdout.write(JSON.stringify({ runtimes: own }, null, 2) + "\n");
' "$main_runtimes")"
if [ "$config" != "$(cat "$CONFIG" 2>/dev/null || true)" ]; then
  printf '%s' "$config" >"$CONFIG"
  # A running engine reloads its runtimes on SIGHUP; its containers keep running.
  pid="$(running_pid || true)"
  [ -z "$pid" ] || { log "runtimes changed: reloading"; kill -HUP "$pid"; }
fi

if ! answers; then
  pid="$(running_pid || true)"
  [ -z "$pid" ] || { log "dockerd $pid does not answer on $SOCK; stop it first (--stop)"; exit 1; }
  log "starting dockerd on $SOCK (data root $STATE/root, log $LOG)"
  # In a network namespace of its own, as on another host: a dockerd without a bridge deletes the
  # host's docker0 when it starts (it takes the default bridge for a leftover of its own), and the
  # main engine's containers would then find no bridge. Its socket is a file, reached from here alike.
  # (nsenter, not `ip netns exec`, which would also hide the host's cgroup mounts from it.)
  [ -e "/run/netns/$NAME" ] || ip netns add "$NAME"
  nsenter --net="/run/netns/$NAME" ip link set lo up
  setsid nohup nsenter --net="/run/netns/$NAME" dockerd \
    --host "$HOST" \
    --data-root "$STATE/root" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$PIDFILE" \
    --config-file "$CONFIG" \
    --containerd-namespace "$NAME" \
    --containerd-plugins-namespace "$NAME-plugins" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    >>"$LOG" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.5
  done
  answers || { log "dockerd did not answer within 60 s; see $LOG"; tail -20 "$LOG" >&2; exit 1; }
fi
log "engine ok on $SOCK, runtimes: $(second info --format '{{range $name, $_ := .Runtimes}}{{$name}} {{end}}')"

for image in "$@"; do
  wanted="$(docker image inspect --format '{{.Id}}' "$image")"
  if [ "$(second image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)" != "$wanted" ]; then
    log "copying $image from the main engine"
    docker save "$image" | second load >/dev/null
  fi
  repository="${image%:*}"
  for old in $(second images --format '{{.Repository}}:{{.Tag}}' "$repository"); do
    [ "$old" = "$image" ] || second rmi "$old" >/dev/null || log "could not remove $old"
  done
done
second image prune -f >/dev/null
echo "$HOST"
