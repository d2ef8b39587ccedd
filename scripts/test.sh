#!/usr/bin/env bash
# The one test command. On a fresh Debian/Ubuntu machine with rustup it installs what is missing
# (scripts/test-deps.sh: system packages, the wasm target, the pinned web tools of scripts/web-tools.sh), builds the
# release artifacts the end-to-end tests run (sensor-node binary, dashboard dist), then runs every test in the
# workspace.
#
# With a Docker engine it also builds the containers first: the base images (pulled, or offline stand-ins from
# Debian packages: scripts/base-images.sh), the web tools image (frontend/Dockerfile's tools stage), the install path
# on a fresh machine (docker/fresh-machine/Dockerfile) and the project's images (docker-compose build); the
# compose-level tests (tests/tests/compose_stack.rs) then run the real docker-compose.yml. The web tools are copied
# from that image instead of being compiled a second time, when they run on this machine. Without an engine, one
# line says so and the compose-level tests skip.
#
#   scripts/test.sh                  everything
#   SKIP_INSTALL=1 scripts/test.sh   assume the tools are already there
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
# Where cargo install puts trunk, wasm-bindgen and wasm-opt.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
WEB_TOOLS_IMAGE=sensors-monitoring/web-tools

# Runs a build quietly, timed; on failure shows the end of its output. One retry when the engine lost a layer while
# committing (seen with dockerd 20.10 on fuse-overlayfs: "failed to get layer …: layer does not exist").
quiet_build() {
  local log start=$SECONDS try
  log=$(mktemp)
  for try in 1 2; do
    if "$@" >"$log" 2>&1; then
      rm -f "$log"
      echo "    $((SECONDS - start)) s"
      return 0
    fi
    [ "$try" = 1 ] && grep -q 'layer does not exist' "$log" || break
    echo "    the engine lost a layer; building again"
  done
  tail -n 60 "$log"
  rm -f "$log"
  echo "failed: $*" >&2
  return 1
}

[ -n "${SKIP_INSTALL:-}" ] || scripts/test-deps.sh system

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  step "Docker: base images (scripts/base-images.sh)"
  scripts/base-images.sh
  step "Docker: web tools image $WEB_TOOLS_IMAGE (frontend/Dockerfile, stage tools: scripts/web-tools.sh in a clean container)"
  quiet_build docker build --target tools -t "$WEB_TOOLS_IMAGE" -f frontend/Dockerfile .
  step "Docker: the install path on a fresh machine (docker/fresh-machine/Dockerfile: scripts/test-deps.sh)"
  quiet_build docker build --build-arg "TOOLS_IMAGE=$WEB_TOOLS_IMAGE" -t sensors-monitoring/fresh-machine \
    -f docker/fresh-machine/Dockerfile .
  step "Docker: project images (docker-compose build)"
  quiet_build docker-compose -f docker-compose.yml build
  export WEB_TOOLS_IMAGE
else
  step "Docker: no engine answers (docker info failed): no images built, the compose-level tests skip"
fi

[ -n "${SKIP_INSTALL:-}" ] || scripts/test-deps.sh web-tools

step "build release artifacts: sensor-node, dashboard dist"
# `trunk --offline` also runs cargo offline: fetch every crate (the wasm-only ones too) first.
cargo fetch --locked
cargo build --release --locked -p sensor-node -p e2e
(cd frontend && trunk build --release --offline)

step "first-load size of the dashboard (budget 215 KiB gzip)"
scripts/first-load.sh 215

step "clippy: lints, and no cutting of outside text at a byte index (clippy.toml) — native and wasm"
cargo clippy --locked --workspace --all-targets --quiet
cargo clippy --locked -p frontend --target wasm32-unknown-unknown --quiet

step "static check of docker-compose.yml"
docker-compose -f docker-compose.yml config -q

step "all tests (unit, integration against real Mosquitto, end-to-end in Chromium, compose-level against Docker)"
export SENSOR_NODE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/sensor-node"
export DASHBOARD_DIST="$ROOT/frontend/dist"
cargo test --release --locked --workspace -- --test-threads=1
