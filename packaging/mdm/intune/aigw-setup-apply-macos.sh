#!/bin/sh
# SPDX-License-Identifier: MIT
# Microsoft Intune shell script for macOS (Devices > macOS > Shell scripts): rolls
# aigw-setup out with `aigw-setup --json apply -f FILE` for the signed-in user, with their
# HOME. Intune passes no parameters, so the settings below are edited before the upload.
# Works either way Intune runs it: as root ("Run script as signed-in user: No", then it
# runs apply as the console user) or as the signed-in user. Intune's portal shows only
# whether a script failed, so apply's JSON report is printed and also kept in
# LOG_DIR/apply-USER.json. Exits with apply's code (docs/apply.md); 0 with a note when
# nobody is logged in, so a script with a frequency runs again later.
#
# For the tests only: AIGW_MDM_CONSOLE_USER and AIGW_MDM_USER_HOME stand in for the macOS
# lookups of the console user and of their home folder.

# >>> settings: edit before uploading
ROLLOUT_FILE="/Library/Application Support/aigw-setup/rollout.yaml"
LOG_DIR="/Library/Logs/aigw-setup"
# The values the rollout file takes from the environment ("${NAME}"), one NAME=VALUE a line,
# NAME starting AIGW_. A token here is stored in Intune: prefer auth.token_file.
VALUES='
AIGW_GATEWAY=https://1234567890.ai-gateway.cloud.databricks.com
'
# <<< settings

# The values as the positional list, each checked: a malformed line stops the run, since
# apply would then see the wrong values.
set --
while IFS= read -r line; do
  case $line in
    "") continue ;;
    AIGW_*=*) name=${line%%=*} ;;
    *) name=- ;;
  esac
  case $name in
    *[!A-Z0-9_]*)
      echo "aigw-setup-apply: error: a VALUES line is not NAME=VALUE with NAME like" \
        "AIGW_GATEWAY" >&2
      exit 2 ;;
  esac
  set -- "$@" "$line"
done <<EOF
$VALUES
EOF

# Root: the console user, whom the agents belong to. Otherwise Intune already runs this as
# the signed-in user.
if [ "$(id -u)" -eq 0 ]; then
  user=${AIGW_MDM_CONSOLE_USER-$(stat -f %Su /dev/console 2>/dev/null)}
else
  user=$(id -un)
fi
case $user in
  "" | root | loginwindow | _mbsetupuser)
    echo "aigw-setup-apply: nobody is logged in; nothing done (runs again at its next time)"
    exit 0 ;;
esac
home=${AIGW_MDM_USER_HOME-$(dscl . -read "/Users/$user" NFSHomeDirectory 2>/dev/null |
  sed -n 's/^NFSHomeDirectory: //p')}
uid=$(id -u "$user") || exit 2
[ -n "$home" ] || { echo "aigw-setup-apply: error: no home folder for \"$user\"" >&2; exit 2; }

# Intune's PATH lacks Homebrew's and the installer's folders.
PATH="$PATH:/usr/local/bin:/opt/homebrew/bin"
binary=$(command -v aigw-setup) || {
  echo "aigw-setup-apply: error: aigw-setup is not installed (not in $PATH)" >&2
  exit 127
}

# apply with nothing of Intune's environment but the values; as the user when we are root.
as_user=""
[ "$(id -u)" = "$uid" ] || as_user="launchctl asuser $uid sudo -u $user"
report=$($as_user env -i HOME="$home" USER="$user" LOGNAME="$user" \
  PATH="$(dirname "$binary"):/usr/bin:/bin:/usr/sbin:/sbin" "$@" \
  "$binary" --json apply -f "$ROLLOUT_FILE")
code=$?

# Root keeps the report in LOG_DIR; the signed-in user in their own Library/Logs.
[ "$(id -u)" -eq 0 ] || LOG_DIR="$home/Library/Logs/aigw-setup"
mkdir -p "$LOG_DIR" && printf '%s\n' "$report" > "$LOG_DIR/apply-$user.json"
printf '%s\n' "$report"
echo "aigw-setup-apply: $user: exit $code (report in $LOG_DIR/apply-$user.json)"
exit "$code"
