#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job end to
# end with `aigw-setup demo`: in a throwaway home, the offline relay on a free loopback
# port, all four agents configured against it, a round trip on every route, doctor, and
# what was written where. No account, no network beyond loopback, and nothing outside the
# throwaway home is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
AIGW_BUILD_TARGET=aigw-setup bash scripts/build.sh # the tool alone: test.sh builds the tests
./build/aigw-setup demo
