#!/bin/sh
# Installs the Debian packages the tests run for real: chromium (the report test renders report.html in
# it) and redis-server (the queue tests start their own Redis). `npm test` runs this first (the
# test script's first step). Idempotent: with both present it returns at once, without apt.
# CULTUNE_CHROMIUM and CULTUNE_REDIS_SERVER point to other binaries (a Chromium build, valkey-server).
set -eu
CHROMIUM="${CULTUNE_CHROMIUM:-/usr/bin/chromium}"
REDIS="${CULTUNE_REDIS_SERVER:-redis-server}"
missing=""
if [ ! -x "$CHROMIUM" ]; then
  if [ -n "${CULTUNE_CHROMIUM:-}" ]; then
    echo "install-test-packages: CULTUNE_CHROMIUM is $CHROMIUM, which is not an executable" >&2
    exit 1
  fi
  missing="chromium"
fi
if ! command -v "$REDIS" >/dev/null 2>&1; then
  if [ -n "${CULTUNE_REDIS_SERVER:-}" ]; then
    echo "install-test-packages: CULTUNE_REDIS_SERVER is $REDIS, which is not an executable" >&2
    exit 1
  fi
  missing="${missing:+$missing }redis-server"
fi
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "install-test-packages: $missing missing and installing needs root: run 'sudo apt-get install $missing', or set CULTUNE_CHROMIUM / CULTUNE_REDIS_SERVER" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-test-packages: installing Debian's $missing (for the report and queue tests)" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ -x "$CHROMIUM" ] || { echo "install-test-packages: apt-get finished but $CHROMIUM is still missing" >&2; exit 1; }
command -v "$REDIS" >/dev/null 2>&1 || { echo "install-test-packages: apt-get finished but $REDIS is still missing" >&2; exit 1; }
