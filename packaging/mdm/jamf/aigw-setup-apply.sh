#!/bin/sh
# SPDX-License-Identifier: MIT
# Jamf Pro policy script: rolls aigw-setup out to the Mac's console user with
# `aigw-setup --json apply -f FILE`, run as that user with their HOME, so the agents' files
# in that home stay theirs. Jamf runs it as root with $1 the target drive, $2 the computer
# name and $3 the user name (set at login, empty at check-in); $4 to $11 are the policy's
# parameters, each NAME=VALUE with NAME starting AIGW_: the values the rollout file takes
# from the environment ("${NAME}"). AIGW_ROLLOUT_FILE=PATH is this script's own: where the
# rollout file is. Prints apply's JSON report for the policy log and exits with apply's code
# (docs/apply.md); 0 with a note when nobody is logged in, so the policy runs again later.
#
# For the tests only: AIGW_MDM_CONSOLE_USER and AIGW_MDM_USER_HOME stand in for the macOS
# lookups of the console user and of their home folder.

rollout_file="/Library/Application Support/aigw-setup/rollout.yaml"

# Jamf's user at login, when the console does not name one yet.
jamf_user=""
if [ "$#" -ge 3 ]; then
  jamf_user=$3
  shift 3
else
  set --
fi

# Keep the valid parameters as the positional list (each goes to apply's environment); a
# malformed one stops the run, since apply would then see the wrong values.
names=""
count=$#
while [ "$count" -gt 0 ]; do
  parameter=$1
  shift
  count=$((count - 1))
  name=${parameter%%=*}
  case $parameter in
    "") continue ;;
    AIGW_ROLLOUT_FILE=*) rollout_file=${parameter#*=}; continue ;;
    AIGW_*=*) ;;
    *) name="" ;;
  esac
  case $name in
    "" | *[!A-Z0-9_]*)
      echo "aigw-setup-apply: error: a parameter is not NAME=VALUE with NAME like AIGW_GATEWAY" >&2
      exit 2 ;;
  esac
  set -- "$@" "$parameter"
  names="$names $name"
done

# The user at the console is the one whose agents get configured; root, the login window
# and the setup assistant's user mean that nobody is logged in.
user=${AIGW_MDM_CONSOLE_USER-$(stat -f %Su /dev/console 2>/dev/null)}
case $user in
  "" | root | loginwindow | _mbsetupuser) user=$jamf_user ;;
esac
if [ -z "$user" ]; then
  echo "aigw-setup-apply: nobody is logged in; nothing done (the policy runs again later)"
  exit 0
fi
home=${AIGW_MDM_USER_HOME-$(dscl . -read "/Users/$user" NFSHomeDirectory 2>/dev/null |
  sed -n 's/^NFSHomeDirectory: //p')}
uid=$(id -u "$user") || exit 2
[ -n "$home" ] || { echo "aigw-setup-apply: error: no home folder for \"$user\"" >&2; exit 2; }

# Jamf's PATH lacks Homebrew's and the installer's folders.
PATH="$PATH:/usr/local/bin:/opt/homebrew/bin"
binary=$(command -v aigw-setup) || {
  echo "aigw-setup-apply: error: aigw-setup is not installed (not in $PATH)" >&2
  exit 127
}

# As the user, in their launchd session, with nothing of root's environment but the values.
run_as_user() {
  if [ "$(id -u)" = "$uid" ]; then
    "$@"
  else
    launchctl asuser "$uid" sudo -u "$user" "$@"
  fi
}
echo "aigw-setup-apply: $user ($home), $rollout_file, values:${names:- none}"
report=$(run_as_user env -i HOME="$home" USER="$user" LOGNAME="$user" \
  PATH="$(dirname "$binary"):/usr/bin:/bin:/usr/sbin:/sbin" "$@" \
  "$binary" --json apply -f "$rollout_file")
code=$?
printf '%s\n' "$report"
echo "aigw-setup-apply: exit $code"
exit "$code"
