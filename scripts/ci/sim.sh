#!/bin/sh
# CI install steps for the simulator's tests (test/sim/webview.test.ts drives the chart page in
# headless Debian Chromium through playwright-core). Idempotent and non-interactive.
set -eu
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi
echo "simulator CI tools ready: chromium=/usr/bin/chromium"
