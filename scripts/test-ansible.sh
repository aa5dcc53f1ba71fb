#!/usr/bin/env bash
# The Ansible role (packaging/ansible/roles/aigw_setup) against localhost with
# `connection: local` and ansible-core from Debian (scripts/install-packaging-deps.sh), in a
# throwaway home given as --home, with a rollout file (written by the role from
# aigw_setup_rollout) whose gateway is a loopback URL; nothing is contacted. Checks, from
# each run's PLAY RECAP: the first run changed (folder, rollout file, apply), the second
# changed nothing and left every byte, a user's edit of a key the tool owns makes apply
# (and only apply) changed, --check changes nothing, and a wrong rollout file fails the play
# with apply's error. Ansible's own files go to a throwaway HOME as well.
#
#   bash scripts/test-ansible.sh AIGW_SETUP_BINARY
set -uo pipefail

aigw="$(realpath "$1")"
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/install-packaging-deps.sh" || exit 1
playbook="$(command -v ansible-playbook)"

# shellcheck source=scripts/test-lib.sh
source "$here/scripts/test-lib.sh"
home="$work/home"
mkdir -p "$home" "$work/ansible-home"

# The role's variables, as an admin's playbook would give them.
cat > "$work/playbook.yml" <<EOF
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - role: aigw_setup
      vars:
        aigw_setup_binary: "$aigw"
        aigw_setup_home: "$home"
        aigw_setup_rollout_path: "$work/etc/aigw-setup/rollout.yaml"
        aigw_setup_environment:
          AIGW_TEST_TOKEN: not-a-real-token
        aigw_setup_rollout:
          version: 1
          gateway: http://127.0.0.1:9
          auth:
            token_env: AIGW_TEST_TOKEN
          agents:
            claude:
              model: databricks-claude-sonnet-4-5
            codex: {}
            gemini:
              trust: "off"
EOF

# Runs the playbook with nothing from the machine's Ansible set-up; prints its RECAP numbers.
play() { # EXTRA-ARGS...
  env -i PATH=/usr/bin:/bin HOME="$work/ansible-home" LANG=C.UTF-8 \
    ANSIBLE_CONFIG="$work/none.cfg" ANSIBLE_ROLES_PATH="$here/packaging/ansible/roles" \
    ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" ANSIBLE_NOCOLOR=1 \
    "$playbook" -i localhost, "$@" "$work/playbook.yml" > "$work/out" 2>&1
  sed -n 's/^localhost *: ok=[0-9]* *\(changed=[0-9]*\) .*\(failed=[0-9]*\).*/\1 \2/p' "$work/out"
}
snapshot() { (cd "$home" && find . -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum); }

check "first run: folder, rollout file and apply changed" "changed=3 failed=0" "$(play)"
check "the rollout file as the role wrote it" 'agents:
  claude:
    model: databricks-claude-sonnet-4-5
  codex: {}
  gemini:
    trust: '"'off'"'
auth:
  token_env: AIGW_TEST_TOKEN
gateway: http://127.0.0.1:9
version: 1' "$(cat "$work/etc/aigw-setup/rollout.yaml")"
check "Codex's config in the throwaway home" "model_provider = \"databricks-ai-gateway\"
model = \"databricks-gpt-5-2\"

[model_providers.databricks-ai-gateway]
name = \"Databricks AI Gateway\"
base_url = \"http://127.0.0.1:9/openai/v1\"
wire_api = \"responses\"
auth = { command = \"$aigw\", args = [\"--home\", \"$home\", \"token\"] }" \
  "$(cat "$home/.codex/config.toml")"
check "the files apply wrote" "./.claude/settings.json
./.codex/config.toml
./.config/aigw-setup/credentials.json
./.config/aigw-setup/state.json
./.gemini/.env
./.gemini/settings.json" "$(cd "$home" && find . -type f ! -name lock | sort)"
check "Gemini's route" "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:9/gemini" \
  "$(grep '^GOOGLE_GEMINI_BASE_URL=' "$home/.gemini/.env")"
check "the report in the play's output" \
  '        "claude created '"$home"'/.claude/settings.json",' \
  "$(grep -F '"claude created' "$work/out")"

before="$(snapshot)"
check "second run: nothing changed" "changed=0 failed=0" "$(play)"
check "second run: every byte as it was" "$before" "$(snapshot)"
check "second run: apply said unchanged" \
  '        "configure: ok: 4 files: 0 created, 0 changed, 4 unchanged",' \
  "$(grep -F '"configure: ok' "$work/out")"

# A user sets a key the tool owns: apply sets it back, and only apply is changed.
sed -i 's/"databricks-claude-sonnet-4-5"/"my-own-model"/' "$home/.claude/settings.json"
check "--check after a user's edit: would change, writes nothing" "changed=1 failed=0" \
  "$(play --check)"
check "--check: the user's value still there" 1 \
  "$(grep -c '"my-own-model"' "$home/.claude/settings.json")"
check "third run: apply changed" "changed=1 failed=0" "$(play)"
check "third run: the owned key set back, byte for byte" \
  "$(grep '/.claude/settings.json$' <<< "$before")" \
  "$(snapshot | grep '/.claude/settings.json$')"

# A rollout file apply refuses: the play fails on apply's exit code, with its message.
sed -i 's/^          version: 1$/          version: 1\n          gatway: http:\/\/127.0.0.1:9/' \
  "$work/playbook.yml"
check "wrong rollout file: the play fails" "changed=1 failed=1" "$(play)"
check "wrong rollout file: apply's exit code 2" 1 "$(grep -c '"rc": 2,' "$work/out")"
check "wrong rollout file: apply's message" 1 "$(grep -c 'gatway: unknown key' "$work/out")"

summary ansible || { echo "--- last ansible-playbook output:"; cat "$work/out"; exit 1; }
