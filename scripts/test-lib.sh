#!/usr/bin/env bash
# Sourced by the package and fleet checks (test-packaging.sh, test-ansible.sh, test-mdm.sh):
# a throwaway folder $work, removed on exit; `check NAME EXPECTED ACTUAL`, which compares
# to the byte and shows the difference; `summary NAME`, which counts and fails when any
# check did.

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
check() { # NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then
    passed=$((passed + 1)); echo "ok: $1"
  else
    failed=$((failed + 1)); echo "FAILED: $1"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/  /'
  fi
}

summary() { # NAME
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
