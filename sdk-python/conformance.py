"""Runs the Python verifier over a cross-language conformance case file (written by
test/conformance in the frostmint repository) and prints one JSON result per case:
``{"name": ..., "code": ""}`` for a valid token, else the error code.

    python3 sdk-python/conformance.py cases.json > python-results.json
"""

from __future__ import annotations

import json
import sys

from frostmint_verify import DPoPInput, Verifier, VerifyError

_OPTIONS = {"clockTolerance": "clock_tolerance", "maxTokenAge": "max_token_age", "maxTokenLifetime": "max_token_lifetime"}


_KNOWN = {"issuer", "audience", "now", "requiredScopes", "dpop", *_OPTIONS}
_KNOWN_DPOP = {"proof", "htm", "htu", "presentTwice"}


def run(case: dict) -> dict:
    options = case["options"]
    dpop = options.get("dpop")
    unknown = (set(options) - _KNOWN) | {f"dpop.{k}" for k in set(dpop or {}) - _KNOWN_DPOP}
    if unknown:  # e.g. a DPoP proof this runner cannot check: fail the case, never ignore it
        return {"name": case["name"], "code": "unexpected", "message": f"unknown options {sorted(unknown)}"}
    extra = {py: options[ts] for ts, py in _OPTIONS.items() if ts in options}
    try:
        verifier = Verifier(
            issuer=options["issuer"],
            audience=options["audience"],
            jwks=case["jwks"],
            clock=lambda: options["now"],
            **extra,
        )
        request = None if dpop is None else DPoPInput(dpop["proof"], dpop["htm"], dpop["htu"])
        # A replay case presents the same token and proof twice; the second outcome counts.
        for _ in range(2 if dpop and dpop.get("presentTwice") else 1):
            verifier.verify(case["token"], options.get("requiredScopes", ()), dpop=request)
    except VerifyError as err:
        return {"name": case["name"], "code": err.code, "message": err.message}
    except Exception as err:  # a crash is a finding, reported as such
        return {"name": case["name"], "code": "unexpected", "message": repr(err)}
    return {"name": case["name"], "code": ""}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    json.dump([run(c) for c in cases], sys.stdout, indent=1)


if __name__ == "__main__":
    main()
