#!/usr/bin/env bash
# Fails when the committed policy/build/policy.wasm is not what the pinned OPA compiles
# from policy/frostmint/*.rego (the wasm build is byte-reproducible), or data.json is invalid.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash scripts/policy-build.sh "$tmp" >/dev/null
if ! cmp -s "$tmp/policy.wasm" policy/build/policy.wasm; then
  echo "policy/build/policy.wasm is stale: run npm run policy:build and commit the result" >&2
  exit 1
fi
echo "policy bundle is fresh"
