#!/usr/bin/env bash
# The MDM wrappers (packaging/mdm/) with a fake aigw-setup on PATH that records its argv and
# its whole environment, and fake launchctl and sudo that record how they were asked to
# switch user and then run the rest unchanged: no Mac, no root and no other user needed.
# The macOS lookups of the console user and their home are stood in for by
# AIGW_MDM_CONSOLE_USER and AIGW_MDM_USER_HOME. Checks, to the byte: what apply was called
# with, what the wrapper printed, the exit code it passed on, and Intune's report file.
#
#   bash scripts/test-mdm.sh
set -uo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
jamf="$here/packaging/mdm/jamf/aigw-setup-apply.sh"
intune="$here/packaging/mdm/intune/aigw-setup-apply-macos.sh"
# shellcheck source=scripts/test-lib.sh
source "$here/scripts/test-lib.sh"

# The fakes: aigw-setup writes what it got and answers with REPORT and exit code CODE.
fakes="$work/bin"
mkdir -p "$fakes"
make_fake_aigw() { # CODE REPORT
  cat > "$fakes/aigw-setup" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$work/argv"
env | sort > "$work/env"
printf '%s\n' '$2'
exit $1
EOF
  chmod +x "$fakes/aigw-setup"
}
for tool in launchctl sudo; do
  cat > "$fakes/$tool" <<EOF
#!/bin/sh
echo "$tool \$1 \$2" >> "$work/switch"
shift 2
exec "\$@"
EOF
  chmod +x "$fakes/$tool"
done

# Runs a wrapper as an MDM would, with the fakes first on PATH; sets $out, $err and $code.
run_wrapper() { # CONSOLE-USER SCRIPT ARGS...
  rm -f "$work/argv" "$work/env" "$work/switch"
  local user="$1"
  shift
  out="$(env -i PATH="$fakes:/usr/bin:/bin" AIGW_MDM_CONSOLE_USER="$user" \
    AIGW_MDM_USER_HOME="$work/home" sh "$@" 2> "$work/stderr")"
  code=$?
  err="$(cat "$work/stderr")"
}
recorded() { cat "$work/$1" 2>/dev/null || echo "(no $1)"; }

report='{"command":"apply","changed":true}'
target="nobody" # a user that exists everywhere and is not us, so the switch is taken
target_uid="$(id -u nobody)"
[ "$(id -un)" != nobody ] || { echo "run this test as another user than nobody"; exit 1; }
env_of() { # VALUES...: the environment apply must get, sorted as `env | sort` prints it
  printf '%s\n' "HOME=$work/home" "LOGNAME=$target" "PATH=$fakes:/usr/bin:/bin:/usr/sbin:/sbin" \
    "PWD=$PWD" "USER=$target" "$@" | sort
}

# --- Jamf: parameters 4 to 11 become apply's environment; the rest is Jamf's own.
make_fake_aigw 0 "$report"
run_wrapper "$target" "$jamf" / mac-17 "" "AIGW_GATEWAY=http://127.0.0.1:9" \
  "AIGW_DATABRICKS_TOKEN=not-a-real-token" "" "" "" "" "" ""
check "jamf: exit 0" 0 "$code"
check "jamf: argv" "$(printf '%s\n' --json apply -f \
  "/Library/Application Support/aigw-setup/rollout.yaml")" "$(recorded argv)"
check "jamf: environment" "$(env_of AIGW_DATABRICKS_TOKEN=not-a-real-token \
  AIGW_GATEWAY=http://127.0.0.1:9)" "$(recorded env)"
check "jamf: as the console user" "$(printf '%s\n' "launchctl asuser $target_uid" \
  "sudo -u $target")" "$(recorded switch)"
check "jamf: output, values by name only" "aigw-setup-apply: $target ($work/home), \
/Library/Application Support/aigw-setup/rollout.yaml, values: AIGW_GATEWAY AIGW_DATABRICKS_TOKEN
$report
aigw-setup-apply: exit 0" "$out"

make_fake_aigw 3 '{"command":"apply","changed":false}'
run_wrapper "$target" "$jamf" / mac-17 alice "AIGW_ROLLOUT_FILE=/etc/fleet/rollout.yaml"
check "jamf: apply's exit code passed on" 3 "$code"
check "jamf: AIGW_ROLLOUT_FILE is the file" "$(printf '%s\n' --json apply -f \
  /etc/fleet/rollout.yaml)" "$(recorded argv)"
check "jamf: and not a value" "$(env_of)" "$(recorded env)"
check "jamf: the report of a failed run" '{"command":"apply","changed":false}
aigw-setup-apply: exit 3' "$(tail -2 <<< "$out")"

run_wrapper "$target" "$jamf" / mac-17 "" "GATEWAY=https://gw.example.com"
check "jamf: a parameter that is not AIGW_NAME=VALUE: exit 2" 2 "$code"
check "jamf: its message" "aigw-setup-apply: error: a parameter is not NAME=VALUE with NAME \
like AIGW_GATEWAY" "$err"
check "jamf: apply not run" "(no argv)" "$(recorded argv)"

run_wrapper loginwindow "$jamf" / mac-17 ""
check "jamf: nobody logged in: exit 0" 0 "$code"
check "jamf: nobody logged in: said" "aigw-setup-apply: nobody is logged in; nothing done \
(the policy runs again later)" "$out"
check "jamf: nobody logged in: apply not run" "(no argv)" "$(recorded argv)"

run_wrapper root "$jamf" / mac-17 "$target"
check "jamf: at login, Jamf's user when the console is still root" \
  "$(printf '%s\n' "launchctl asuser $target_uid" "sudo -u $target")" "$(recorded switch)"

# --- Intune: the settings block edited as an admin does before the upload.
intune_copy="$work/intune.sh"
awk -v work="$work" '
  /^# >>> settings/ { print; skip = 1
    print "ROLLOUT_FILE=\"" work "/rollout.yaml\""
    print "LOG_DIR=\"" work "/logs\""
    print "VALUES=\"\nAIGW_GATEWAY=http://127.0.0.1:9\n\nAIGW_MODEL=databricks model\n\""
    next }
  /^# <<< settings/ { skip = 0 }
  !skip' "$intune" > "$intune_copy"

make_fake_aigw 0 "$report"
run_wrapper "$target" "$intune_copy"
if [ "$(id -u)" -eq 0 ]; then
  switch="$(printf '%s\n' "launchctl asuser $target_uid" "sudo -u $target")"
  log="$work/logs/apply-$target.json"
else # Intune runs the script as the signed-in user: us
  target="$(id -un)"
  switch="(no switch)"
  log="$work/home/Library/Logs/aigw-setup/apply-$target.json"
fi
check "intune: exit 0" 0 "$code"
check "intune: argv" "$(printf '%s\n' --json apply -f "$work/rollout.yaml")" "$(recorded argv)"
check "intune: environment" "$(env_of "AIGW_GATEWAY=http://127.0.0.1:9" \
  "AIGW_MODEL=databricks model")" "$(recorded env)"
check "intune: as the console user when root" "$switch" "$(recorded switch)"
check "intune: output" "$report
aigw-setup-apply: $target: exit 0 (report in $log)" "$out"
check "intune: report file" "$report" "$(cat "$log" 2>/dev/null)"

make_fake_aigw 5 '{"command":"apply","changed":false}'
run_wrapper "$target" "$intune_copy"
check "intune: apply's exit code passed on" 5 "$code"

sed -i 's/^AIGW_MODEL=/MODEL=/' "$intune_copy"
run_wrapper "$target" "$intune_copy"
check "intune: a VALUES line that is not AIGW_NAME=VALUE: exit 2" 2 "$code"
check "intune: its message" "aigw-setup-apply: error: a VALUES line is not NAME=VALUE with \
NAME like AIGW_GATEWAY" "$err"

summary mdm
