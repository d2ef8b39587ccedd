#!/usr/bin/env bash
# Installs what scripts/test.sh needs on a Debian/Ubuntu machine with rustup, and nothing that is already there:
#   system     Debian packages (mosquitto, nginx, chromium, chromium-driver, docker-compose, a C toolchain) and
#              the wasm32 rustup target
#   web-tools  trunk, wasm-bindgen-cli, wasm-opt at the versions scripts/web-tools.sh pins, compiled from crates.io
#              — or, when WEB_TOOLS_IMAGE names a local image whose /usr/local/cargo/bin holds them (the tools
#              stage of frontend/Dockerfile, built by the same script), copied from there if they run here
#
#   scripts/test-deps.sh                 both
#   scripts/test-deps.sh system          only the packages and the target
#   WEB_TOOLS_IMAGE=sensors-monitoring/web-tools scripts/test-deps.sh web-tools
#
# Runs as root or through sudo. docker/fresh-machine/Dockerfile runs `system` in a clean container as the proof
# that this list is complete.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"

step() { printf '\n==> %s\n' "$*"; }
need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

system_packages() {
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
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# Copies the pinned tools out of $WEB_TOOLS_IMAGE when they are missing here and run here (same libc); anything
# still missing afterwards is compiled by scripts/web-tools.sh.
web_tools_from_image() {
  local image=${WEB_TOOLS_IMAGE:-}
  [ -n "$image" ] && scripts/web-tools.sh check >/dev/null 2>&1 && return
  [ -n "$image" ] && docker image inspect "$image" >/dev/null 2>&1 || return 0
  local tmp container tool
  tmp=$(mktemp -d)
  container=$(docker create "$image" true)
  for tool in trunk wasm-bindgen wasm-opt; do
    docker cp "$container:/usr/local/cargo/bin/$tool" "$tmp/$tool" >/dev/null 2>&1 || true
  done
  docker rm "$container" >/dev/null
  # Only if all three answer with their pinned versions on this machine.
  if PATH="$tmp:$PATH" scripts/web-tools.sh check >/dev/null 2>&1; then
    step "web tools copied from $image (built there by scripts/web-tools.sh)"
    mkdir -p "$CARGO_BIN"
    for tool in trunk wasm-bindgen wasm-opt; do install -m 755 "$tmp/$tool" "$CARGO_BIN/$tool"; done
  fi
  rm -rf "$tmp"
}

web_tools() {
  web_tools_from_image
  scripts/web-tools.sh install
}

case ${1:-all} in
  system) system_packages ;;
  web-tools) web_tools ;;
  all) system_packages; web_tools ;;
  *) echo "test-deps.sh: unknown part \`$1\` (system, web-tools)" >&2; exit 2 ;;
esac
