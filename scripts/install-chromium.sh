#!/bin/sh
# Installs Debian's chromium, which the report test uses to render report.html. `npm test` runs this
# first (the "pretest" script). Idempotent: with chromium present it returns at once, without apt.
set -eu
CHROMIUM="${CULTUNE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ -n "${CULTUNE_CHROMIUM:-}" ]; then
  echo "install-chromium: CULTUNE_CHROMIUM is $CHROMIUM, which is not an executable" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "install-chromium: $CHROMIUM is missing and installing it needs root: run 'sudo apt-get install chromium', or set CULTUNE_CHROMIUM to a Chromium binary" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: installing Debian's chromium (for the report test)" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "install-chromium: apt-get finished but $CHROMIUM is still missing" >&2; exit 1; }
