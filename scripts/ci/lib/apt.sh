# Sourced by scripts/ci/*.sh (.ci/run runs only scripts/ci/*.sh, not lib/): `apt_install PKG...`
# installs the Debian packages the CI needs without changing the machine more than it must: no recommended packages, no upgrade of an installed
# package named on the line (--no-upgrade). apt may still have to upgrade a *dependency* (e.g.
# libkrb5-dev needs libkrb5-3 of its own version): those upgrades are printed before installing.
apt_install() {
  [ $# -gt 0 ] || return 0
  export DEBIAN_FRONTEND=noninteractive
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  local upgrades
  upgrades=$(apt-get install -s -y --no-install-recommends --no-upgrade "$@" 2>/dev/null | sed -n 's/^Inst \([^ ]*\) \[\([^]]*\)\] (\([^ ]*\).*/\1 \2 -> \3/p')
  if [ -n "$upgrades" ]; then
    echo "apt: installing $* also upgrades these installed packages (dependencies):"
    echo "$upgrades" | sed 's/^/  /'
  fi
  $sudo apt-get install -y -qq --no-install-recommends --no-upgrade "$@"
}
