#!/usr/bin/env bash
# Compiles policy/frostmint/*.rego to policy/build/policy.wasm (entrypoint
# frostmint/mint/decision, frostmint/enroll/decision) with the pinned OPA, and validates policy/data.json.
# Usage: policy-build.sh [OUT_DIR]   (default policy/build)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"
out="${1:-policy/build}"
command -v opa >/dev/null || { echo "opa is not installed: run scripts/install-test-deps.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! opa check --v1-compatible policy/frostmint >"$tmp/check.log" 2>&1; then
  echo "policy: Rego does not compile:" >&2; cat "$tmp/check.log" >&2; exit 1
fi
npx tsx scripts/policy-data-check.ts policy/data.json
opa build --v1-compatible --ignore "*_test.rego" -t wasm -e frostmint/mint/decision -e frostmint/enroll/decision policy/frostmint -o "$tmp/bundle.tar.gz"
tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" /policy.wasm 2>/dev/null || tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" policy.wasm
mkdir -p "$out"
install -m 0644 "$tmp/policy.wasm" "$out/policy.wasm"
echo "policy: built $out/policy.wasm ($(opa version | head -1))"
