#!/usr/bin/env bash
# Builds a Debian bookworm root filesystem from Debian's package mirror and writes it as a tar
# archive, which the image builder imports into Docker on hosts that reach no container registry.
# Usage: bootstrap.sh <out.tar>
# debootstrap's minbase variant resolves packages reliably; everything else is installed later
# by the runtime Dockerfile with apt-get.
set -euo pipefail
out="${1:?usage: bootstrap.sh <out.tar>}"
# DEBIAN_MIRROR picks a mirror; without it debootstrap uses its own default.
mirror="${DEBIAN_MIRROR:-}"
log() { printf '[base] %s\n' "$*" >&2; }

if ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  else
    log "debootstrap is missing: install it (apt-get install debootstrap) or make debian:bookworm-slim pullable from a registry"
    exit 1
  fi
fi

work="$(mktemp -d /var/tmp/sandpit-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
log "debootstrap bookworm (minbase)${mirror:+ from $mirror} — about a minute"
debootstrap --variant=minbase bookworm "$work/rootfs" ${mirror:+"$mirror"} 2>&1 | while IFS= read -r line; do
  case "$line" in I:\ Retrieving*|I:\ Validating*|I:\ Unpacking*|I:\ Configuring*) ;; *) log "$line" ;; esac
done
[ -x "$work/rootfs/bin/bash" ] || { log "debootstrap failed"; exit 1; }
# apt inside the image uses the mirror debootstrap used (it wrote sources.list); keep images small.
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
tar -C "$work/rootfs" -cf "$out" .
log "root filesystem written to $out ($(du -h "$out" | cut -f1))"
