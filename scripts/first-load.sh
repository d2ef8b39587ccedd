#!/usr/bin/env bash
# The dashboard's first-load size: gzip -9 of every .wasm, .js and .css in the dist (wasm-bindgen's snippets/
# included), each and in total, against a budget in KiB; exit 1 above it. scripts/test.sh runs it after
# `trunk build` with the budget of 215 KiB (README, "Dashboard first load").
#
#   scripts/first-load.sh BUDGET_KIB [DIST]      DIST defaults to frontend/dist
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kib=${1:?usage: scripts/first-load.sh BUDGET_KIB [DIST]}
dist=${2:-frontend/dist}
shopt -s nullglob
files=("$dist"/*.wasm "$dist"/*.js "$dist"/*.css "$dist"/snippets/*/*.js)
[ ${#files[@]} -gt 0 ] || { echo "first-load.sh: no .wasm, .js or .css in $dist (build it: cd frontend && trunk build --release --offline)" >&2; exit 1; }
total=0
for f in "${files[@]}"; do
  size=$(gzip -9c "$f" | wc -c)
  total=$((total + size))
  printf '    %-45s %8d B\n' "$(basename "$f")" "$size"
done
printf '    first load (gzip -9)                          %8d B = %d.%02d KiB, budget %d KiB\n' \
  "$total" $((total / 1024)) $(((total % 1024) * 100 / 1024)) "$budget_kib"
if [ "$total" -gt $((budget_kib * 1024)) ]; then
  echo "first-load.sh: the dashboard's first load is $total B, over the budget of $budget_kib KiB" >&2
  exit 1
fi
