#!/usr/bin/env bash
# CI install steps for fleets (test/fleet/: the generated Ansible role run by ansible-playbook against
# two QEMU test hosts): Debian's ansible-core and ansible-lint. Idempotent and non-interactive.
set -euo pipefail
need=()
command -v ansible-playbook >/dev/null || need+=(ansible-core)
command -v ansible-lint >/dev/null || need+=(ansible-lint)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y --no-install-recommends --no-upgrade "${need[@]}"
fi
echo "fleet CI tools ready: $(ansible-playbook --version | head -1), ansible-lint $(ansible-lint --version 2>/dev/null | head -1)"
