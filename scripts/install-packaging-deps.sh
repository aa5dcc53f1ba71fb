#!/usr/bin/env bash
# Install what the package and fleet checks need besides the build itself: rpmbuild (from
# Debian's `rpm`) for CPack's RPM generator and `rpm -qlp`, ansible-core (smaller than
# `ansible`, which adds every community collection) for the Ansible role's test, and Ruby to
# parse the Homebrew formula. Kept apart from install-deps.sh because nothing else uses them;
# scripts/test-packaging.sh and scripts/test-ansible.sh call it first, so CI needs no step of
# its own. Runs as root (or through sudo) on Debian 12; only what is missing is installed.
#
#   bash scripts/install-packaging-deps.sh
set -euo pipefail

# By command, so that an ansible-playbook installed some other way is used as it is.
missing=()
command -v rpmbuild >/dev/null 2>&1 || missing+=(rpm)
command -v ansible-playbook >/dev/null 2>&1 || missing+=(ansible-core)
command -v ruby >/dev/null 2>&1 || missing+=(ruby) # `ruby -c` on the Homebrew formula
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

echo "installing from Debian: ${missing[*]}" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
