#!/usr/bin/env bash
# Checks the Prometheus rules in deploy/prometheus and runs their unit tests with promtool.
# Fails (loudly) when promtool is missing: scripts/install-test-deps.sh installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"
if ! command -v promtool >/dev/null; then
  echo "promtool is not installed: run scripts/install-test-deps.sh" >&2
  exit 1
fi
promtool check rules deploy/prometheus/frostmint.rules.yml
promtool test rules deploy/prometheus/tests/*.test.yml
