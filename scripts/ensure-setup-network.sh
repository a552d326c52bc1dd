#!/usr/bin/env bash
# Makes the Docker network setup containers use (sandpit-setup) and the firewall rules that keep
# them out of this host and of private networks, while public registries stay reachable.
# Idempotent: the network is made once; Sandpit's own chains are rebuilt from scratch each run.
#
#   network   sandpit-setup: a bridge named sandpit-setup0, containers on it cannot talk to each other (ICC off)
#   forwarded (DOCKER-USER -> SANDPIT-SETUP): loopback, RFC 1918, CGNAT, link-local (cloud metadata
#             169.254.169.254), this host's own LAN subnets, multicast/reserved, IPv6 ULA/link-local
#             are rejected (icmp admin-prohibited: a connect fails at once with "No route to host")
#   this host (INPUT -> SANDPIT-SETUP-IN): everything from sandpit-setup0 is rejected, gateway included
#   allowed   DNS to this host's resolvers (Docker's embedded DNS forwards there from the container),
#             and SANDPIT_SETUP_ALLOW entries: IP:PORT[-PORT], [IPv6]:PORT, host-gateway:PORT (this host)
#
# Needs root (iptables). Called by ensure-docker.sh, start.sh and test.sh; `npm run doctor` and
# /api/health check the result (server/setup/network.ts).
set -euo pipefail

log() { printf '[setup-network] %s\n' "$*" >&2; }

NETWORK="${SANDPIT_SETUP_NETWORK:-sandpit-setup}"
BRIDGE=sandpit-setup0
CHAIN=SANDPIT-SETUP
CHAIN_IN=SANDPIT-SETUP-IN

if [ "$NETWORK" = none ]; then
  log "SANDPIT_SETUP_NETWORK=none: setups run without a network; nothing to do"
  exit 0
fi
if [ "$NETWORK" != sandpit-setup ]; then
  log "SANDPIT_SETUP_NETWORK=$NETWORK: setups use a network this script does not guard;"
  log "unset it to use sandpit-setup, whose egress to this host and private networks is blocked"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ] && [[ "$DOCKER_HOST" != unix://* ]]; then
  log "DOCKER_HOST=$DOCKER_HOST is another machine: run this script as root on that machine"
  exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v iptables >/dev/null 2>&1; then
  log "not root or no iptables: cannot install the setup network's rules; run this script as root"
  exit 1
fi

# ---------------------------------------------------------------- the network
if ! docker network inspect "$NETWORK" >/dev/null 2>&1; then
  log "creating Docker network $NETWORK (bridge $BRIDGE, no traffic between containers)"
  docker network create --driver bridge \
    --opt com.docker.network.bridge.name="$BRIDGE" \
    --opt com.docker.network.bridge.enable_icc=false \
    --label org.sandpit.setup-network=1 \
    "$NETWORK" >/dev/null
fi
options="$(docker network inspect "$NETWORK" --format '{{index .Options "com.docker.network.bridge.name"}} {{index .Options "com.docker.network.bridge.enable_icc"}}')"
if [ "$options" != "$BRIDGE false" ]; then
  log "Docker network $NETWORK exists but is not the one this script makes (bridge name and ICC: $options)."
  log "Remove it (docker network rm $NETWORK, once no container uses it) and run this script again."
  exit 1
fi

# ---------------------------------------------------------------- the allow-list
allow_forward=() # "ip port-range" pairs, forwarded traffic
allow_host=()    # port ranges on this host
allow_forward6=()
IFS=',' read -r -a entries <<<"${SANDPIT_SETUP_ALLOW:-}"
for entry in "${entries[@]}"; do
  entry="${entry// /}"
  [ -n "$entry" ] || continue
  if [[ "$entry" =~ ^\[([0-9A-Fa-f:.]+)\]:([0-9]{1,5})(-([0-9]{1,5}))?$ ]]; then
    allow_forward6+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}:${BASH_REMATCH[4]:-${BASH_REMATCH[2]}}")
  elif [[ "$entry" =~ ^host-gateway:([0-9]{1,5})(-([0-9]{1,5}))?$ ]]; then
    allow_host+=("${BASH_REMATCH[1]}:${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}")
  elif [[ "$entry" =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3}):([0-9]{1,5})(-([0-9]{1,5}))?$ ]]; then
    allow_forward+=("${BASH_REMATCH[1]} ${BASH_REMATCH[3]}:${BASH_REMATCH[5]:-${BASH_REMATCH[3]}}")
  else
    log "SANDPIT_SETUP_ALLOW: \"$entry\" is not IP:PORT, [IPv6]:PORT or host-gateway:PORT (a range: PORT-PORT)"
    exit 1
  fi
done

# The resolvers Docker's embedded DNS forwards to (from inside the container's namespace).
resolvers() {
  local file
  for file in /etc/resolv.conf /run/systemd/resolve/resolv.conf; do
    [ -r "$file" ] && awk '$1 == "nameserver" { print $2 }' "$file"
  done | grep -Ev '^(127\.|::1$)' | sort -u
}

# This host's directly connected IPv4 subnets (its LAN), Docker's own bridges aside.
lan_subnets() {
  ip -4 route show scope link 2>/dev/null | awk '$1 ~ /\// && $0 !~ / dev (docker[0-9]*|br-[0-9a-f]+|sandpit-setup0) / { print $1 }' | sort -u
}

BLOCKED4=(0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.0.0.0/24
  192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4)
BLOCKED6=(::/128 ::1/128 ::ffff:0:0/96 64:ff9b::/96 100::/64 fc00::/7 fe80::/10 ff00::/8)

# ---------------------------------------------------------------- IPv4
ipt() { iptables -w "$@"; }
ipt -N "$CHAIN" 2>/dev/null || ipt -F "$CHAIN"
ipt -A "$CHAIN" -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
for dns in $(resolvers | grep -v :); do
  ipt -A "$CHAIN" -d "$dns" -p udp --dport 53 -j RETURN
  ipt -A "$CHAIN" -d "$dns" -p tcp --dport 53 -j RETURN
done
for pair in "${allow_forward[@]}"; do
  read -r ip ports <<<"$pair"
  ipt -A "$CHAIN" -d "$ip" -p tcp --dport "$ports" -m comment --comment SANDPIT_SETUP_ALLOW -j RETURN
done
for range in "${BLOCKED4[@]}" $(lan_subnets); do
  ipt -A "$CHAIN" -d "$range" -j REJECT --reject-with icmp-admin-prohibited
done
ipt -A "$CHAIN" -j RETURN
ipt -N DOCKER-USER 2>/dev/null || true
ipt -C DOCKER-USER -i "$BRIDGE" -j "$CHAIN" 2>/dev/null || ipt -I DOCKER-USER 1 -i "$BRIDGE" -j "$CHAIN"
ipt -C FORWARD -j DOCKER-USER 2>/dev/null || ipt -I FORWARD 1 -j DOCKER-USER

ipt -N "$CHAIN_IN" 2>/dev/null || ipt -F "$CHAIN_IN"
ipt -A "$CHAIN_IN" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
for ports in "${allow_host[@]}"; do
  ipt -A "$CHAIN_IN" -p tcp --dport "$ports" -m comment --comment SANDPIT_SETUP_ALLOW -j ACCEPT
done
ipt -A "$CHAIN_IN" -j REJECT --reject-with icmp-admin-prohibited
ipt -C INPUT -i "$BRIDGE" -j "$CHAIN_IN" 2>/dev/null || ipt -I INPUT 1 -i "$BRIDGE" -j "$CHAIN_IN"

# ---------------------------------------------------------------- IPv6 (the bridge has link-local addresses)
if command -v ip6tables >/dev/null 2>&1 && ip6tables -w -L -n >/dev/null 2>&1; then
  ip6t() { ip6tables -w "$@"; }
  ip6t -N "$CHAIN" 2>/dev/null || ip6t -F "$CHAIN"
  ip6t -A "$CHAIN" -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
  for dns in $(resolvers | grep :); do
    ip6t -A "$CHAIN" -d "$dns" -p udp --dport 53 -j RETURN
    ip6t -A "$CHAIN" -d "$dns" -p tcp --dport 53 -j RETURN
  done
  for pair in "${allow_forward6[@]}"; do
    read -r ip ports <<<"$pair"
    ip6t -A "$CHAIN" -d "$ip" -p tcp --dport "$ports" -m comment --comment SANDPIT_SETUP_ALLOW -j RETURN
  done
  for range in "${BLOCKED6[@]}"; do
    ip6t -A "$CHAIN" -d "$range" -j REJECT --reject-with icmp6-adm-prohibited
  done
  ip6t -A "$CHAIN" -j RETURN
  ip6t -C FORWARD -i "$BRIDGE" -j "$CHAIN" 2>/dev/null || ip6t -I FORWARD 1 -i "$BRIDGE" -j "$CHAIN"

  ip6t -N "$CHAIN_IN" 2>/dev/null || ip6t -F "$CHAIN_IN"
  ip6t -A "$CHAIN_IN" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  for ports in "${allow_host[@]}"; do
    ip6t -A "$CHAIN_IN" -p tcp --dport "$ports" -m comment --comment SANDPIT_SETUP_ALLOW -j ACCEPT
  done
  ip6t -A "$CHAIN_IN" -j REJECT --reject-with icmp6-adm-prohibited
  ip6t -C INPUT -i "$BRIDGE" -j "$CHAIN_IN" 2>/dev/null || ip6t -I INPUT 1 -i "$BRIDGE" -j "$CHAIN_IN"
else
  log "no working ip6tables: IPv6 rules skipped (the setup network has no IPv6 addresses but link-local)"
fi

allowed="${SANDPIT_SETUP_ALLOW:-}"
log "ok: $NETWORK guarded (bridge $BRIDGE)${allowed:+; allowed: $allowed}"
