#!/usr/bin/env bash
# The one test command. On a fresh Debian/Ubuntu machine with rustup it installs what is missing (system packages,
# the wasm target, trunk + wasm-bindgen-cli + wasm-opt at pinned versions), builds the release artifacts the
# end-to-end tests run (sensor-node binary, dashboard dist), then runs every test in the workspace.
#
#   scripts/test.sh            everything
#   SKIP_INSTALL=1 scripts/test.sh   assume the tools are already there
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

TRUNK_VERSION=0.21.14
WASM_OPT_VERSION=0.116.1
# wasm-bindgen-cli must match the wasm-bindgen the dashboard links against.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)

step() { printf '\n==> %s\n' "$*"; }
# Where cargo install puts trunk, wasm-bindgen and wasm-opt.
export PATH="$HOME/.cargo/bin:$PATH"

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_system_packages() {
  local missing=()
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
  command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v cc >/dev/null || missing+=(build-essential)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  if [ ${#missing[@]} -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    need_root apt-get update -q
    need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

cargo_tool() { # cargo_tool <binary> <version> <crate> [extra cargo install args]
  local bin=$1 version=$2 crate=$3; shift 3
  if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -q "$version"; then return; fi
  step "cargo install $crate $version"
  cargo install "$crate" --version "$version" "$@"
}

if [ -z "${SKIP_INSTALL:-}" ]; then
  install_system_packages
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  # Not --locked: one dependency in wasm-bindgen-cli's lock file is no longer on crates.io.
  cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
  # binaryen 116 through the wasm-opt crate; Debian's binaryen 108 emits wasm that browsers reject.
  cargo_tool wasm-opt "version 116" wasm-opt --locked
fi

step "build release artifacts: sensor-node, dashboard dist"
# `trunk --offline` also runs cargo offline: fetch every crate (the wasm-only ones too) first.
cargo fetch --locked
cargo build --release --locked -p sensor-node -p e2e
(cd frontend && trunk build --release --offline)

step "static check of docker-compose.yml"
docker-compose -f docker-compose.yml config -q

step "all tests (unit, integration against real Mosquitto, end-to-end in Chromium)"
export SENSOR_NODE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/sensor-node"
export DASHBOARD_DIST="$ROOT/frontend/dist"
cargo test --release --locked --workspace -- --test-threads=1
