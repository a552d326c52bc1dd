#!/usr/bin/env bash
# Browser tests use Debian's Chromium; installs it on a Debian/Ubuntu host as root when missing.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  echo "[chromium] ok ($("$bin" --version 2>/dev/null | head -1))" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[chromium] installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  exit 0
fi
echo "[chromium] $bin is missing: install Chromium (Debian: apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 1
