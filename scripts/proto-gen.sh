#!/usr/bin/env bash
# Regenerates the TypeScript gRPC stubs in proto/gen from proto/**/*.proto.
set -euo pipefail
cd "$(dirname "$0")/../proto"
rm -rf gen
npx buf generate
npx biome format --write gen >/dev/null 2>&1 || true
