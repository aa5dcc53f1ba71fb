#!/usr/bin/env bash
# Configure and build into build/ (or $AIGW_BUILD_DIR): everything, or $AIGW_BUILD_TARGET.
# Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${AIGW_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${AIGW_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
# AIGW_BUILD_TARGET=aigw-setup builds the tool alone, without the test programs;
# aigw_generated_docs builds the tool and then its man page and completions (build/share/).
cmake --build "$build_dir" -j"$(nproc)" ${AIGW_BUILD_TARGET:+--target "$AIGW_BUILD_TARGET"}
