#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job end to
# end with `aigw-setup demo`: in a throwaway home, the offline relay on a free loopback
# port, all four agents configured against it, a round trip on every route, doctor, and
# what was written where. No account, no network beyond loopback, and nothing outside the
# throwaway home is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The tool, and the man page and completions it writes into build/share/ once linked, which
# `cmake --install build` installs beside it; test.sh builds the tests.
AIGW_BUILD_TARGET=aigw_generated_docs bash scripts/build.sh
./build/aigw-setup demo
