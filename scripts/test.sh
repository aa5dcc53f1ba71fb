#!/usr/bin/env bash
# The README's second command, and what CI runs: install what is missing, build, and run
# every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd "${AIGW_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900
