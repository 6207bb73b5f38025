#!/usr/bin/env bash
# The whole suite: installs what the tests need when missing (SoftHSM2, Chromium,
# PostgreSQL, OPA, oauth2-proxy, PyJWT), builds every workspace (dist/, which the spawned
# daemons and CLIs run), runs static checks (typecheck, biome, dependency-cruiser: no import
# cycles, packages meet only at their entry points), Rego tests, the Go and Python verifiers' own
# tests and vitest, and ends with one line
# "N passed, N failed". Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"
mkdir -p .test-artifacts
rm -f .test-artifacts/*.json

bash scripts/install-test-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
check() { # name, command...
  local name=$1; shift
  if "$@" > ".test-artifacts/$name.log" 2>&1; then
    echo "✓ $name"; passed=$((passed + 1))
  else
    echo "✗ $name (see .test-artifacts/$name.log)"; sed -n '1,40p' ".test-artifacts/$name.log"; failed=$((failed + 1))
  fi
}

check build node scripts/build.mjs
check typecheck npx tsc -p tsconfig.json
check lint npx biome check .
check deps npm run --silent lint:deps
check proto-stubs-fresh bash scripts/proto-check.sh
[ -f scripts/policy-check.sh ] && check policy-bundle-fresh bash scripts/policy-check.sh
check prometheus-rules bash scripts/prometheus-check.sh
check sdk-go bash -c 'cd sdk-go && go vet ./... && go test ./...'
check sdk-python bash -c 'cd sdk-python && python3 -m pytest -q'

if [ -n "$(find policy -name '*.rego' 2>/dev/null)" ]; then
  opa test policy/frostmint --format=json > .test-artifacts/opa.json 2> .test-artifacts/opa.log
  read -r p f < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(".test-artifacts/opa.json", "utf8") || "[]");
    const fail = r.filter((t) => t.fail || t.error).length;
    console.log(r.length - fail, fail);' 2>/dev/null || echo "0 1")
  echo "rego: $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
fi

npx vitest run --reporter=default --reporter=json --outputFile.json=.test-artifacts/vitest.json
read -r p f < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(".test-artifacts/vitest.json", "utf8"));
  // A file that fails outside its tests (import error, beforeAll) counts once more.
  const broken = r.testResults.filter((s) => s.status === "failed" && !s.assertionResults.some((a) => a.status === "failed")).length;
  console.log(r.numPassedTests, r.numFailedTests + broken);' 2>/dev/null || echo "0 1")
passed=$((passed + p)); failed=$((failed + f))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
