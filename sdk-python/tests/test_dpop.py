"""DPoP (RFC 9449) attacks on frostmint_verify: python3 -m pytest sdk-python/tests"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import unittest
from typing import Any, Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from test_verifier import AUDIENCE, HEADER, ISSUER, NOW, Key, b64, claims

from frostmint_verify import DPoPInput, MemoryReplayCache, ReplayCacheFull, Verifier, VerifyError

HTM, HTU = "POST", "https://api.example/deploy"
_jti = itertools.count()


def thumbprint(required: str) -> str:
    """RFC 7638 thumbprint of the required members' JSON, computed here by hand."""
    return b64(hashlib.sha256(required.encode()).digest())


def ath_of(token: str) -> str:
    return b64(hashlib.sha256(token.encode()).digest())


class Holder:
    """A client's DPoP key pair with its public JWK and thumbprint."""

    alg: str
    jwk: dict[str, str]
    jkt: str
    private: dict[str, str]
    _sign: Callable[[bytes], bytes]

    @classmethod
    def ed25519(cls) -> Holder:
        h = cls()
        key = Ed25519PrivateKey.generate()
        x = b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        h.alg, h.jwk = "EdDSA", {"kty": "OKP", "crv": "Ed25519", "x": x}
        h.jkt = thumbprint(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}')
        h.private = {"d": b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))}
        h._sign = key.sign
        return h

    @classmethod
    def ecdsa(cls, alg: str, curve: ec.EllipticCurve, crv: str, size: int, digest: hashes.HashAlgorithm) -> Holder:
        h = cls()
        key = ec.generate_private_key(curve)
        numbers = key.public_key().public_numbers()
        x, y = b64(numbers.x.to_bytes(size, "big")), b64(numbers.y.to_bytes(size, "big"))
        h.alg, h.jwk = alg, {"kty": "EC", "crv": crv, "x": x, "y": y}
        h.jkt = thumbprint(f'{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}')
        h.private = {"d": b64(key.private_numbers().private_value.to_bytes(size, "big"))}

        def sign(data: bytes) -> bytes:
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")  # JWS form (RFC 7518 §3.4)

        h._sign = sign
        return h

    def proof(self, token: str, header: dict[str, Any] | None = None, **overrides: Any) -> str:
        """A proof for token; header/claim overrides, None drops a member."""
        hdr = _merge({"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk}, header or {})
        body = _merge({"jti": f"jti-{next(_jti)}", "htm": HTM, "htu": HTU, "iat": NOW, "ath": ath_of(token)}, overrides)
        signing_input = f"{b64(json.dumps(hdr))}.{b64(json.dumps(body))}"
        return f"{signing_input}.{b64(self._sign(signing_input.encode()))}"


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = {**base, **overrides}
    return {k: v for k, v in out.items() if v is not None}


def bound_token(key: Key, holder: Holder, **extra: Any) -> str:
    return key.sign(HEADER, claims(cnf={"jkt": holder.jkt}, **extra))


class DPoPTest(unittest.TestCase):
    def setUp(self) -> None:
        self.key = Key()
        self.holder = Holder.ed25519()
        self.token = bound_token(self.key, self.holder)

    def verifier(self, **options: Any) -> Verifier:
        return Verifier(issuer=ISSUER, audience=AUDIENCE, jwks=self.key.jwks, clock=lambda: NOW, **options)

    def assert_code(self, code: str, token: str, proof: str | None, htm: str = HTM, htu: str = HTU, v: Verifier | None = None) -> None:
        dpop = None if proof is None else DPoPInput(proof, htm, htu)
        with self.assertRaises(VerifyError) as caught:
            (v or self.verifier()).verify(token, dpop=dpop)
        self.assertEqual(caught.exception.code, code, caught.exception.message)

    def test_valid_proofs(self) -> None:
        holders = {
            "EdDSA": self.holder,
            "ES256": Holder.ecdsa("ES256", ec.SECP256R1(), "P-256", 32, hashes.SHA256()),
            "ES384": Holder.ecdsa("ES384", ec.SECP384R1(), "P-384", 48, hashes.SHA384()),
        }
        for alg, holder in holders.items():
            with self.subTest(alg):
                token = bound_token(self.key, holder)
                verified = self.verifier().verify(token, ["deploy:canary"], dpop=DPoPInput(holder.proof(token), HTM, HTU))
                self.assertEqual(verified.claims.dpop_jkt, holder.jkt)

    def test_thumbprint_rfc8037_vector(self) -> None:
        """RFC 8037 Appendix A.3: the thumbprint of its Ed25519 key; a token bound to it and a
        proof claiming that key (but signed by another) fails on the signature, not the binding."""
        x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        holder = Holder.ed25519()
        holder.jwk = {"kty": "OKP", "crv": "Ed25519", "x": x}
        token = self.key.sign(HEADER, claims(cnf={"jkt": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}))
        self.assertEqual(thumbprint(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        self.assert_code("dpop_proof_invalid", token, holder.proof(token))

    def test_stolen_token(self) -> None:
        thief = Holder.ed25519()
        self.assert_code("dpop_proof_missing", self.token, None)
        self.assert_code("dpop_proof_missing", self.token, "")
        self.assert_code("dpop_binding_mismatch", self.token, thief.proof(self.token))
        # Naming the victim's key in the header does not help: the thief cannot sign with it.
        self.assert_code("dpop_proof_invalid", self.token, thief.proof(self.token, {"jwk": self.holder.jwk}))
        other = bound_token(self.key, self.holder, jti="another-token")
        self.assert_code("dpop_binding_mismatch", self.token, self.holder.proof(other))
        bearer = self.key.sign(HEADER, claims())
        self.assert_code("dpop_binding_mismatch", bearer, self.holder.proof(bearer))
        self.verifier().verify(bearer)  # an unbound token without a proof stays a bearer token

    def test_proof_refusals(self) -> None:
        h, token = self.holder, self.token
        good = h.proof(token)
        hp, pp, sp = good.split(".")
        hs_input = f"{b64(json.dumps({'typ': 'dpop+jwt', 'alg': 'HS256', 'jwk': h.jwk}))}.{pp}"
        hs256 = f"{hs_input}.{b64(hmac.new(h.jwk['x'].encode(), hs_input.encode(), 'sha256').digest())}"
        none = f"{b64(json.dumps({'typ': 'dpop+jwt', 'alg': 'none', 'jwk': h.jwk}))}.{pp}.{sp}"
        small_order = {"kty": "OKP", "crv": "Ed25519", "x": b64(bytes([1] + [0] * 31))}
        cases: dict[str, tuple[str, str, str]] = {
            "other method": (good, "GET", HTU),
            "method case": (good, "post", HTU),
            "other path": (good, HTM, "https://api.example/admin"),
            "other host": (good, HTM, "https://evil.example/deploy"),
            "other scheme": (good, HTM, "http://api.example/deploy"),
            "other port": (good, HTM, "https://api.example:8443/deploy"),
            "path case": (good, HTM, "https://api.example/Deploy"),
            "typ JWT": (h.proof(token, {"typ": "JWT"}), HTM, HTU),
            "typ missing": (h.proof(token, {"typ": None}), HTM, HTU),
            "typ application/dpop+jwt": (h.proof(token, {"typ": "application/dpop+jwt"}), HTM, HTU),
            "htu with userinfo": (h.proof(token, htu="https://user@api.example/deploy"), HTM, HTU),
            "alg none": (none, HTM, HTU),
            "alg HS256 with the public key as secret": (hs256, HTM, HTU),
            "alg ES256 with an Ed25519 jwk": (h.proof(token, {"alg": "ES256"}), HTM, HTU),
            "private key in jwk": (h.proof(token, {"jwk": {**h.jwk, **h.private}}), HTM, HTU),
            "no jwk": (h.proof(token, {"jwk": None}), HTM, HTU),
            "small-order jwk": (h.proof(token, {"jwk": small_order}), HTM, HTU),
            "bad signature": (f"{hp}.{pp}.{('B' if sp[0] == 'A' else 'A') + sp[1:]}", HTM, HTU),
            "crit": (h.proof(token, {"crit": ["x"], "x": 1}), HTM, HTU),
            "iat too old": (h.proof(token, iat=NOW - 91), HTM, HTU),
            "iat too new": (h.proof(token, iat=NOW + 91), HTM, HTU),
            "own exp passed": (h.proof(token, exp=NOW - 30), HTM, HTU),
            "own nbf ahead": (h.proof(token, nbf=NOW + 31), HTM, HTU),
            "iat missing": (h.proof(token, iat=None), HTM, HTU),
            "iat a string": (h.proof(token, iat=str(NOW)), HTM, HTU),
            "jti missing": (h.proof(token, jti=None), HTM, HTU),
            "jti too long": (h.proof(token, jti="j" * 129), HTM, HTU),
            "ath missing": (h.proof(token, ath=None), HTM, HTU),
            "htu not a URL": (h.proof(token, htu="/deploy"), HTM, HTU),
            "not a JWS": ("not.a.jws", HTM, HTU),
            "the access token as proof": (token, HTM, HTU),
        }
        for name, (proof, htm, htu) in cases.items():
            with self.subTest(name):
                self.assert_code("dpop_proof_invalid", token, proof, htm, htu)

    def test_iat_window_and_normalised_uri(self) -> None:
        accepted = {
            "iat 90 s old (60 s + 30 s tolerance)": ({"iat": NOW - 90}, HTU),
            "iat 90 s ahead": ({"iat": NOW + 90}, HTU),
            "own exp and nbf inside the tolerance": ({"exp": NOW - 29, "nbf": NOW + 30}, HTU),
            "host and scheme case": ({"htu": "HTTPS://API.Example/deploy"}, HTU),
            "default port": ({"htu": "https://api.example:443/deploy"}, HTU),
            "query and fragment": ({"htu": "https://api.example/deploy?x=1#f"}, HTU + "?y=2"),
            "empty path": ({"htu": "https://api.example"}, "https://api.example/"),
            "dot segments": ({"htu": "https://api.example/v1/../deploy/."}, HTU + "/"),
        }
        for name, (overrides, htu) in accepted.items():
            with self.subTest(name):
                self.verifier().verify(self.token, dpop=DPoPInput(self.holder.proof(self.token, **overrides), HTM, htu))
        narrow = self.verifier(dpop_max_age=5, clock_tolerance=5)
        self.assert_code("dpop_proof_invalid", self.token, self.holder.proof(self.token, iat=NOW - 11), v=narrow)

    def test_dpop_max_age_bounded(self) -> None:
        with self.assertRaises(ValueError):
            self.verifier(dpop_max_age=301)

    def test_replay(self) -> None:
        now = [NOW]
        v = Verifier(issuer=ISSUER, audience=AUDIENCE, jwks=self.key.jwks, clock=lambda: now[0])
        proof = self.holder.proof(self.token, jti="once")
        v.verify(self.token, dpop=DPoPInput(proof, HTM, HTU))
        self.assert_code("dpop_proof_replayed", self.token, proof, v=v)
        v.verify(self.token, dpop=DPoPInput(self.holder.proof(self.token, jti="twice"), HTM, HTU))
        third = self.holder.proof(self.token, jti="third")  # a refused proof uses up nothing
        self.assert_code("dpop_proof_invalid", self.token, third, htm="GET", v=v)
        v.verify(self.token, dpop=DPoPInput(third, HTM, HTU))
        now[0] += 120  # past its window the replayed proof is refused for its age
        self.assert_code("dpop_proof_invalid", self.token, proof, v=v)

    def test_concurrent_replay(self) -> None:
        """The same proof raced in from many threads is accepted once."""
        v = self.verifier()
        proof = self.holder.proof(self.token)
        outcomes: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(16)

        def present() -> None:
            start.wait()
            try:
                v.verify(self.token, dpop=DPoPInput(proof, HTM, HTU))
                outcome = "accepted"
            except VerifyError as err:
                outcome = err.code
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=present) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(outcomes), ["accepted"] + ["dpop_proof_replayed"] * 15)

    def test_memory_replay_cache_bounded_and_fails_closed(self) -> None:
        now = [float(NOW)]
        cache = MemoryReplayCache(capacity=2, clock=lambda: now[0])
        self.assertTrue(cache.use("a", NOW + 60))
        self.assertTrue(cache.use("b", NOW + 60))
        self.assertFalse(cache.use("a", NOW + 60))
        with self.assertRaises(ReplayCacheFull):
            cache.use("c", NOW + 60)
        now[0] += 60
        self.assertTrue(cache.use("c", NOW + 120))
        self.assertEqual(len(cache), 1)
        full = self.verifier(replay_cache=MemoryReplayCache(capacity=1, clock=lambda: NOW))
        full.verify(self.token, dpop=DPoPInput(self.holder.proof(self.token), HTM, HTU))
        self.assert_code("dpop_proof_replayed", self.token, self.holder.proof(self.token), v=full)

    def test_malformed_confirmation(self) -> None:
        jkt = Holder.ed25519().jkt
        for cnf in ("abc", {"x5t#S256": "abc"}, {"jkt": 1}, {"jkt": ""}, {"jkt": "abc"}, {"jkt": jkt, "x5t#S256": "abc"}):
            with self.subTest(cnf=cnf):
                with self.assertRaises(VerifyError) as caught:
                    self.verifier().verify(self.key.sign(HEADER, claims(cnf=cnf)))
                self.assertEqual(caught.exception.code, "token_claims_invalid")


if __name__ == "__main__":
    unittest.main()
