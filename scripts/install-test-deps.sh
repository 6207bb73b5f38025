#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: SoftHSM2 (PKCS#11 token),
# Chromium (WebAuthn e2e), PostgreSQL (storage conformance), libfaketime (chaos suite),
# and the pinned OPA CLI.
# Idempotent; quiet when everything is already there.
set -euo pipefail

OPA_VERSION="${OPA_VERSION:-v1.22.2}"
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"

need_apt=()
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v faketime >/dev/null || need_apt+=(faketime)   # chaos suite: a signer's clock +60 s
[ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Read the version into a variable first: under pipefail, `opa version | grep -q` can fail
# when grep exits before opa has written everything.
opa_version=$(opa version 2>/dev/null || true)
if [[ "$opa_version" != *"Version: ${OPA_VERSION#v}"* ]]; then
  echo "installing: opa ${OPA_VERSION}" >&2
  GOFLAGS=-mod=mod go install "github.com/open-policy-agent/opa@${OPA_VERSION}"
fi
