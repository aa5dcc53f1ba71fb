#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job in a
# throwaway home, as a dry run against an example gateway. Nothing outside that home is
# touched and no network call is made.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
echo "== aigw-setup configure --all --dry-run (throwaway home $home)"
echo "dapi-example-token-0000" | ./build/aigw-setup --home "$home" --dry-run configure --all \
  --gateway https://gateway.example.com --token-stdin --cursor-model databricks-gpt-5-2
