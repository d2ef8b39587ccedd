#!/bin/sh
# Empty sources for every workspace member whose Cargo.toml is present, so a Dockerfile can build the dependencies
# alone (from Cargo.toml + Cargo.lock) in a layer of their own, before the real sources are copied. Used by
# sensor-node/Dockerfile and frontend/Dockerfile; any builder (legacy or BuildKit) caches that layer.
#   sh docker/cargo-stubs.sh     (in the workspace root)
set -eu
for manifest in */Cargo.toml; do
  crate=${manifest%/Cargo.toml}
  mkdir -p "$crate/src"
  [ -e "$crate/src/lib.rs" ] || : >"$crate/src/lib.rs"
  [ -e "$crate/src/main.rs" ] || echo 'fn main() {}' >"$crate/src/main.rs"
done
