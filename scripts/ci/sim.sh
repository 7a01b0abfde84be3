#!/usr/bin/env bash
# CI install steps for the simulator's tests (test/sim/webview.test.ts drives the chart page in
# headless Debian Chromium through playwright-core). Idempotent and non-interactive.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  . "$(dirname "$0")/lib/apt.sh"
  apt_install chromium fonts-dejavu-core
fi
echo "simulator CI tools ready: chromium=/usr/bin/chromium"
