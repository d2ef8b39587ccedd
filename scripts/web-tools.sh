#!/usr/bin/env bash
# The dashboard's web build tools at their pinned versions — the one place those versions are written. Used by
# scripts/test.sh (native installs) and frontend/Dockerfile (the image's tools stage), so both build the dist with
# the same trunk, wasm-bindgen and wasm-opt.
#
#   scripts/web-tools.sh versions                 NAME=VERSION, one a line
#   scripts/web-tools.sh install [TOOL…]          cargo install each TOOL (default: all) that is missing or at
#                                                 another version, side by side; TOOL is trunk, wasm-bindgen or
#                                                 wasm-opt
#   scripts/web-tools.sh check [TOOL…]            each TOOL on PATH answers with its pinned version, and
#                                                 frontend/Trunk.toml (when present) pins the same; exit 1 if not
#
# Pins: trunk 0.21.14 (0.22 needs rustc 1.96); wasm-bindgen-cli = the `wasm-bindgen` crate in Cargo.lock (they must
# match exactly); wasm-opt through the wasm-opt crate 0.116.1, i.e. binaryen 116 (Debian bookworm's binaryen 108
# emits wasm that browsers reject). Everything is compiled from crates.io; nothing prebuilt is downloaded.
#
# The tools are compiled for build speed, not run speed (they run for seconds per build): opt-level 1 (also the -O1
# that the cc crate passes to binaryen's C++), no LTO, 16 codegen units, no debug info, and binaryen without its
# DWARF support (the release wasm carries no DWARF). These are cargo config overrides, which take precedence over
# the crates' own release profiles (trunk's is fat LTO with one codegen unit).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

TRUNK_VERSION=0.21.14
WASM_OPT_VERSION=0.116.1

# wasm-bindgen-cli must equal the wasm-bindgen the dashboard links against: read from Cargo.lock (empty if absent,
# which is fine as long as wasm-bindgen is not asked for: frontend/Dockerfile installs the other two before it
# copies Cargo.lock, so a dependency change does not rebuild them).
CARGO_LOCK="${WEB_TOOLS_CARGO_LOCK:-$ROOT/Cargo.lock}"
WASM_BINDGEN_VERSION=
if [ -f "$CARGO_LOCK" ]; then
  WASM_BINDGEN_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' "$CARGO_LOCK")
fi

# binaryen's version as `wasm-opt --version` prints it: the wasm-opt crate 0.116.1 is binaryen 116.
binaryen_version() { local minor=${WASM_OPT_VERSION#0.}; echo "${minor%%.*}"; }

pinned() { # pinned <tool> → the crate version
  case $1 in
    trunk) echo "$TRUNK_VERSION" ;;
    wasm-bindgen) echo "$WASM_BINDGEN_VERSION" ;;
    wasm-opt) echo "$WASM_OPT_VERSION" ;;
  esac
}

# What `<tool> --version` prints at the pinned version, exactly.
expected_banner() {
  case $1 in
    trunk) echo "trunk $TRUNK_VERSION" ;;
    wasm-bindgen) echo "wasm-bindgen $WASM_BINDGEN_VERSION" ;;
    wasm-opt) echo "wasm-opt version $(binaryen_version)" ;;
  esac
}

# The banner a tool on PATH prints, reduced to "<name> <version>" (wasm-opt adds " (version_116)").
banner() {
  command -v "$1" >/dev/null || return 0
  "$1" --version 2>/dev/null | head -n 1 | sed -E 's/ \(version_[0-9]+\)$//'
}

is_pinned() { [ "$(banner "$1")" = "$(expected_banner "$1")" ]; }

install_one() {
  local tool=$1 version args=()
  version=$(pinned "$tool")
  case $tool in
    trunk) args=(trunk --locked) ;;
    # Not --locked: one dependency in wasm-bindgen-cli's lock file is no longer on crates.io.
    wasm-bindgen) args=(wasm-bindgen-cli) ;;
    # No default features: drops binaryen's DWARF support (LLVM's DWARF code), a quarter of the C++ to compile.
    wasm-opt) args=(wasm-opt --locked --no-default-features) ;;
  esac
  echo "==> cargo install ${args[0]} $version"
  local start=$SECONDS
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install --force --version "=$version" "${args[@]}"
  echo "    ${args[0]} $version: $((SECONDS - start)) s"
}

# frontend/Trunk.toml pins the versions trunk looks for (`[tools]`); for the tools checked, they must be these.
check_trunk_toml() {
  local toml="$ROOT/frontend/Trunk.toml" status=0 tool want
  [ -f "$toml" ] || return 0
  for tool in "$@"; do
    case $tool in
      wasm-bindgen) want="wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" ;;
      wasm-opt) want="wasm_opt = \"version_$(binaryen_version)\"" ;;
      *) continue ;;
    esac
    grep -qxF "$want" "$toml" || { echo "web-tools.sh: $toml does not pin $want" >&2; status=1; }
  done
  return $status
}

command=${1:-}
[ $# -gt 0 ] && shift
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(trunk wasm-bindgen wasm-opt)
for tool in "${tools[@]}"; do
  case $tool in
    trunk | wasm-opt) ;;
    wasm-bindgen) [ -n "$WASM_BINDGEN_VERSION" ] || { echo "web-tools.sh: no wasm-bindgen version in $CARGO_LOCK" >&2; exit 1; } ;;
    *) echo "web-tools.sh: unknown tool \`$tool\` (trunk, wasm-bindgen, wasm-opt)" >&2; exit 2 ;;
  esac
done

case $command in
  versions)
    for tool in "${tools[@]}"; do echo "$tool=$(pinned "$tool")"; done ;;
  install)
    # Several missing tools compile at once: binaryen's C++ builds on one core, the Rust crates fill the other.
    pids=()
    for tool in "${tools[@]}"; do
      is_pinned "$tool" && continue
      install_one "$tool" 2>&1 | sed -u "s/^/[$tool] /" &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    for tool in "${tools[@]}"; do
      is_pinned "$tool" || {
        echo "web-tools.sh: after installing, \`$tool --version\` says \"$(banner "$tool")\", expected \"$(expected_banner "$tool")\" (is $(command -v cargo | xargs dirname) first on PATH?)" >&2
        exit 1
      }
    done ;;
  check)
    status=0
    for tool in "${tools[@]}"; do
      if is_pinned "$tool"; then echo "$(expected_banner "$tool")"
      else echo "web-tools.sh: \`$tool --version\` says \"$(banner "$tool")\", expected \"$(expected_banner "$tool")\"" >&2; status=1; fi
    done
    check_trunk_toml "${tools[@]}" || status=1
    exit $status ;;
  *)
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
    [ "$command" = -h ] || [ "$command" = --help ] || exit 2 ;;
esac
