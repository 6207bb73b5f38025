"""Unit tests of frostmint_verify: python3 -m pytest sdk-python/tests"""

from __future__ import annotations

import base64
import http.server
import json
import threading
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from frostmint_verify import MAX_JSON_DEPTH, MAX_JWKS_BYTES, MAX_TOKEN_BYTES, Verifier, VerifyError, parse_jwks, point_defect

ISSUER, AUDIENCE, NOW = "https://mint.example", "deploy-api", 1_800_000_000
HEADER = '{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}'
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks_of(kid: str, x: bytes) -> dict:
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": b64(x)}]}


def claims(**overrides: object) -> str:
    body: dict = {
        "iss": ISSUER, "sub": "alice@example.com", "aud": AUDIENCE, "scope": "deploy:canary read",
        "iat": NOW, "nbf": NOW, "exp": NOW + 900, "jti": "A" * 22, "client_id": "frostmint-cli",
        "frostmint": {"signers": [1, 2]},
    }
    for name, value in overrides.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return json.dumps(body, separators=(",", ":"))


class Key:
    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        self.x = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.jwks = jwks_of("k1", self.x)

    def sign(self, header: str, payload: str | bytes) -> str:
        """Signs header and payload bytes exactly as given."""
        signing_input = f"{b64(header)}.{b64(payload)}"
        return f"{signing_input}.{b64(self.private.sign(signing_input.encode()))}"


def verifier(jwks: dict, **options: object) -> Verifier:
    return Verifier(issuer=ISSUER, audience=AUDIENCE, jwks=jwks, clock=lambda: NOW, **options)


class VerifyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.key = Key()
        self.verifier = verifier(self.key.jwks)
        self.good = self.key.sign(HEADER, claims())

    def assert_code(self, code: str, token: str, **kwargs: object) -> None:
        with self.assertRaises(VerifyError) as caught:
            self.verifier.verify(token, **kwargs)
        self.assertEqual(caught.exception.code, code, caught.exception.message)

    def test_valid_token(self) -> None:
        token = self.verifier.verify(self.good, required_scopes=["deploy:canary"])
        self.assertEqual(token.claims.sub, "alice@example.com")
        self.assertEqual(token.claims.scopes, ("deploy:canary", "read"))
        self.assertFalse(token.stale)

    def test_grammar(self) -> None:
        h, p, s = self.good.split(".")
        sig = base64.urlsafe_b64decode(s + "==")
        last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(s[-1])
        cases = {
            "empty": "",
            "two segments": f"{h}.{p}",
            "padding": self.good + "==",
            "whitespace": self.good + "\n",
            "standard alphabet": f"{h}.{p}.{b64(sig).replace('-', '+').replace('_', '/')}+/",
            "nonzero trailing bits": f"{h}.{p}.{s[:-1]}{'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1]}",
            "oversize": self.key.sign(HEADER, claims(pad="x" * MAX_TOKEN_BYTES)),
            "duplicate header member": self.key.sign('{"alg":"EdDSA","typ":"at+jwt","kid":"k1","kid":"k1"}', claims()),
            "duplicate payload member": self.key.sign(HEADER, '{"scope":"admin",' + claims()[1:]),
            "duplicate via escape": self.key.sign(HEADER, '{"sc\\u006fpe":"admin",' + claims()[1:]),
            "duplicate nested": self.key.sign(HEADER, claims()[:-1] + ',"x":{"a":1,"a":2}}'),
            "too deep": self.key.sign(HEADER, claims()[:-1] + ',"x":' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"),
            "invalid utf-8": self.key.sign(HEADER, claims().encode().replace(b"alice", b"al\xffce")),
            "NaN": self.key.sign(HEADER, claims()[:-1] + ',"x":NaN}'),
            "payload not an object": self.key.sign(HEADER, "[1]"),
            "crit": self.key.sign('{"alg":"EdDSA","typ":"at+jwt","kid":"k1","crit":["exp"],"exp":1}', claims()),
        }
        for name, token in cases.items():
            with self.subTest(name):
                self.assert_code("token_malformed", token)

    def test_depth_and_size_boundaries(self) -> None:
        at_cap = claims()[:-1] + ',"x":' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
        self.verifier.verify(self.key.sign(HEADER, at_cap))
        fill = 0
        while len(self.key.sign(HEADER, claims(pad="x" * (fill + 1)))) <= MAX_TOKEN_BYTES:
            fill += 1
        self.verifier.verify(self.key.sign(HEADER, claims(pad="x" * fill)))
        self.assert_code("token_malformed", self.key.sign(HEADER, claims(pad="x" * (fill + 1))))

    def test_header_key_signature(self) -> None:
        h, p, s = self.good.split(".")
        sig = bytearray(base64.urlsafe_b64decode(s + "=="))
        sig[10] ^= 1
        self.assert_code("token_alg_not_allowed", self.key.sign('{"alg":"HS256","typ":"at+jwt","kid":"k1"}', claims()))
        self.assert_code("token_typ_invalid", self.key.sign('{"alg":"EdDSA","typ":"JWT","kid":"k1"}', claims()))
        self.assert_code("token_kid_unknown", self.key.sign('{"alg":"EdDSA","typ":"at+jwt"}', claims()))
        self.assert_code("token_kid_unknown", self.key.sign('{"alg":"EdDSA","typ":"at+jwt","kid":"k2"}', claims()))
        self.assert_code("token_signature_invalid", f"{h}.{p}.{b64(bytes(sig))}")
        self.verifier.verify(self.key.sign('{"alg":"EdDSA","typ":"Application/AT+JWT","kid":"k1"}', claims()))

    def test_claims(self) -> None:
        cases = {
            "token_issuer_invalid": claims(iss="https://evil.example"),
            "token_audience_invalid": claims(aud=["other"]),
            "token_claims_invalid": claims(sub=None),
            "token_expired": claims(iat=NOW - 900, nbf=NOW - 900, exp=NOW - 31),
            "token_not_yet_valid": claims(nbf=NOW + 31),
            "token_ttl_exceeded": claims(exp=NOW + 901),
            "token_scope_invalid": claims(scope=" read"),
        }
        for code, payload in cases.items():
            with self.subTest(code):
                self.assert_code(code, self.key.sign(HEADER, payload))
        # 1e999 is beyond double range: no I-JSON reading at all (RFC 7493 §2.2).
        self.assert_code("token_malformed", self.key.sign(HEADER, claims(exp=None)[:-1] + ',"exp":1e999}'))
        for bad in ('1800000100.5', '"1800000100"', 'true'):
            with self.subTest(exp=bad):
                self.assert_code("token_claims_invalid", self.key.sign(HEADER, claims(exp=None)[:-1] + f',"exp":{bad}}}'))
        for scope in ("read  write", "read read", "read ", 'say"hi'):
            with self.subTest(scope=scope):
                self.assert_code("token_scope_invalid", self.key.sign(HEADER, claims(scope=scope)))
        self.assert_code("token_scope_missing", self.good, required_scopes=["deploy:prod"])
        self.verifier.verify(self.key.sign(HEADER, claims(iat=NOW + 30, nbf=NOW + 30, exp=NOW + 60)))


class KeyTest(unittest.TestCase):
    def test_small_order_and_invalid_points(self) -> None:
        order8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
        identity = bytes([1] + [0] * 31)
        self.assertEqual(point_defect(order8), "x is a small-order point")
        for x in (identity, order8, bytes([0xED] + [0xFF] * 30 + [0x7F]), bytes([2] + [0] * 31)):
            with self.subTest(x=x.hex()), self.assertRaises(VerifyError) as caught:
                parse_jwks(jwks_of("k1", x))
            self.assertEqual(caught.exception.code, "jwks_invalid")
        self.assertIsNone(point_defect(base64.urlsafe_b64decode(RFC8037_X + "=")))

    def test_forged_token_under_identity_key_is_refused(self) -> None:
        key = Key()
        forged = key.sign(HEADER, claims()).rsplit(".", 1)[0] + "." + b64(bytes([1] + [0] * 63))
        with self.assertRaises(VerifyError) as caught:
            verifier(jwks_of("k1", bytes([1] + [0] * 31))).verify(forged)
        self.assertEqual(caught.exception.code, "jwks_invalid")

    def test_set_rules(self) -> None:
        ed = {"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": RFC8037_X}
        for doc in ({"keys": []}, {"keys": [{**ed, "d": "AA"}]}, {"keys": [ed, ed]}, {"nokeys": 1}, b'{"keys":[],"keys":[]}'):
            with self.subTest(doc=doc), self.assertRaises(VerifyError):
                parse_jwks(doc)
        self.assertEqual(list(parse_jwks({"keys": [{"kty": "RSA", "kid": "r"}, ed]})), ["k"])


class JwksServer:
    """A real HTTP server on loopback serving whatever ``self.body``/``self.status`` say."""

    def __init__(self) -> None:
        server = self
        self.body, self.status, self.fetches = b"", 200, 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.fetches += 1
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/jwks")
                    self.end_headers()
                    return
                self.send_response(server.status)
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class RemoteJwksTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = JwksServer()
        self.addCleanup(self.server.close)
        self.key = Key()
        self.server.body = json.dumps(self.key.jwks).encode()
        self.now = float(NOW)

    def remote(self, path: str = "/jwks") -> Verifier:
        return Verifier(issuer=ISSUER, audience=AUDIENCE, jwks_uri=self.server.url + path, clock=lambda: self.now,
                        refresh_interval=60, cooldown=10, max_staleness=3600)

    def token(self) -> str:
        iat = int(self.now)
        return self.key.sign(HEADER, claims(iat=iat, nbf=iat, exp=iat + 600))

    @staticmethod
    def wait_for_background_refresh(v: Verifier) -> None:
        background = v._remote._background  # noqa: SLF001 - the test waits for the refresh it caused
        if background is not None:
            background.join(10)

    def test_bounded_staleness(self) -> None:
        v = self.remote()
        self.assertFalse(v.verify(self.token()).stale)
        self.server.status = 503
        self.now += 120
        v.verify(self.token())  # due: answered from cache, refreshed in the background
        self.wait_for_background_refresh(v)
        self.assertTrue(v.verify(self.token()).stale)
        self.now += 3600
        with self.assertRaises(VerifyError) as caught:
            v.verify(self.token())
        self.assertEqual(caught.exception.code, "jwks_stale")
        self.server.status = 200
        self.now += 60
        self.assertFalse(v.verify(self.token()).stale)

    def test_unknown_kids_respect_cooldown(self) -> None:
        v = self.remote()
        v.verify(self.token())
        before = self.server.fetches
        for _ in range(5):
            with self.assertRaises(VerifyError) as caught:
                v.verify(self.key.sign('{"alg":"EdDSA","typ":"at+jwt","kid":"nope"}', claims()))
            self.assertEqual(caught.exception.code, "token_kid_unknown")
        self.assertLessEqual(self.server.fetches - before, 1)

    def test_body_cap_and_redirect(self) -> None:
        self.server.body = b'{"keys":[],"pad":"' + b"x" * MAX_JWKS_BYTES + b'"}'
        with self.assertRaises(VerifyError) as caught:
            self.remote().verify(self.token())
        self.assertEqual(caught.exception.code, "jwks_unavailable")
        self.assertIn("exceeds", caught.exception.message)
        with self.assertRaises(VerifyError) as caught:
            self.remote("/redirect").verify(self.token())
        self.assertIn("302", caught.exception.message)

    def test_refuses_plain_http_to_remote_hosts(self) -> None:
        with self.assertRaises(ValueError):
            Verifier(issuer=ISSUER, audience=AUDIENCE, jwks_uri="http://mint.example/jwks")


if __name__ == "__main__":
    unittest.main()
