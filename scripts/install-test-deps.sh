#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: SoftHSM2 (PKCS#11 token),
# Chromium (WebAuthn e2e), PostgreSQL (storage conformance), the pinned OPA CLI, the pinned
# oauth2-proxy (sidecar test) and the Python verifier's packages (PyJWT, cryptography, pytest).
# Idempotent; quiet when everything is already there.
set -euo pipefail

OPA_VERSION="${OPA_VERSION:-v1.22.2}"
OAUTH2_PROXY_VERSION="${OAUTH2_PROXY_VERSION:-v7.15.6}"
PYJWT_VERSION="${PYJWT_VERSION:-2.15.1}"
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"

need_apt=()
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
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

# oauth2-proxy prints no version when built by `go install`; the module version is in the binary.
oauth2_proxy="$(go env GOPATH)/bin/oauth2-proxy"
oauth2_proxy_version=$(go version -m "$oauth2_proxy" 2>/dev/null || true)
if [[ "$oauth2_proxy_version" != *"github.com/oauth2-proxy/oauth2-proxy/v7"$'\t'"${OAUTH2_PROXY_VERSION}"* ]]; then
  echo "installing: oauth2-proxy ${OAUTH2_PROXY_VERSION} (a few minutes)" >&2
  GOFLAGS=-mod=mod go install "github.com/oauth2-proxy/oauth2-proxy/v7@${OAUTH2_PROXY_VERSION}"
fi

# sdk-python needs PyJWT + cryptography, its tests pytest. A Debian-managed python3 refuses
# plain `pip install` (PEP 668); then install next to it with --break-system-packages.
if ! python3 -c "import jwt, cryptography, pytest; assert jwt.__version__ == '${PYJWT_VERSION}'" 2>/dev/null; then
  echo "installing: PyJWT ${PYJWT_VERSION}, cryptography, pytest" >&2
  pip_args=(--quiet --disable-pip-version-check "PyJWT==${PYJWT_VERSION}" "cryptography>=42" "pytest>=8")
  python3 -m pip install "${pip_args[@]}" 2>/dev/null || python3 -m pip install --break-system-packages "${pip_args[@]}"
fi
