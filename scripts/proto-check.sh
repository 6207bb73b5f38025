#!/usr/bin/env bash
# Fails when proto/gen is not what `npm run proto:gen` produces from proto/**/*.proto.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(mktemp -d)
cp -r proto/gen "$before/"
bash scripts/proto-gen.sh
if ! diff -r "$before/gen" proto/gen; then
  echo "proto/gen is stale: run npm run proto:gen and commit the result" >&2
  exit 1
fi
