#!/bin/sh
# Installs Debian's chromium for the report's rendering test. Idempotent: with chromium already
# present it returns at once, so a test's setup can call it every run.
set -eu
CHROMIUM="${CULTUNE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-chromium: $CHROMIUM is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
else
  SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "install-chromium: apt-get finished but $CHROMIUM is still missing" >&2; exit 1; }
