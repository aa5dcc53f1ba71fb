#!/usr/bin/env bash
# Install the Debian packages aigw-setup builds and tests with, and only those missing.
# Runs as root (or through sudo) on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libyaml-cpp-dev doctest-dev
  libcurl4-openssl-dev libsqlite3-dev libssl-dev libdtl-dev libcpp-httplib-dev
  libboost-dev # Boost.Asio and Boost.Beast: the relay's event loop and HTTP server
  libprotobuf-dev protobuf-compiler # OTLP/JSON to protobuf in the relay; protoc at build time
  zlib1g-dev libbrotli-dev # the relay decodes gzip, deflate and br request bodies
  sqlite3 ca-certificates curl iproute2 util-linux
  zsh fish # the completion tests check the zsh and fish scripts with the shells themselves
)
# The end-to-end tests install the agent CLIs with npm; Node.js from Debian only when the
# machine has none (a newer one from elsewhere is kept).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing: ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
