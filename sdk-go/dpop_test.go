package frostmint

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testHTM = "POST"
	testHTU = "https://api.example/deploy"
)

// holder is a DPoP key pair of a client, with its public JWK and RFC 7638 thumbprint
// computed here by hand (not by the code under test).
type holder struct {
	alg  string
	jwk  map[string]any
	jkt  string
	sign func(input []byte) []byte
	priv map[string]any // the private members, for the "private jwk" attack
}

func thumbprintOf(required string) string {
	sum := sha256.Sum256([]byte(required))
	return b64(string(sum[:]))
}

func newEdHolder(t testing.TB) *holder {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x := b64(string(pub))
	return &holder{
		alg:  "EdDSA",
		jwk:  map[string]any{"kty": "OKP", "crv": "Ed25519", "x": x},
		jkt:  thumbprintOf(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`),
		sign: func(in []byte) []byte { return ed25519.Sign(priv, in) },
		priv: map[string]any{"d": b64(string(priv.Seed()))},
	}
}

func newECHolder(t *testing.T, alg string, curve elliptic.Curve, size int) *holder {
	t.Helper()
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x, y := b64(string(priv.X.FillBytes(make([]byte, size)))), b64(string(priv.Y.FillBytes(make([]byte, size))))
	crv := curve.Params().Name
	return &holder{
		alg: alg,
		jwk: map[string]any{"kty": "EC", "crv": crv, "x": x, "y": y},
		jkt: thumbprintOf(`{"crv":"` + crv + `","kty":"EC","x":"` + x + `","y":"` + y + `"}`),
		sign: func(in []byte) []byte {
			sum256, sum384 := sha256.Sum256(in), sha512.Sum384(in)
			hashed := map[int][]byte{32: sum256[:], 48: sum384[:]}[size]
			r, s, err := ecdsa.Sign(rand.Reader, priv, hashed)
			if err != nil {
				t.Fatal(err)
			}
			return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		},
		priv: map[string]any{"d": b64(string(priv.D.FillBytes(make([]byte, size))))},
	}
}

// proof signs a DPoP proof for token with header and claim overrides (nil drops a member).
func (h *holder) proof(token string, header, claims map[string]any) string {
	hdr := map[string]any{"typ": "dpop+jwt", "alg": h.alg, "jwk": h.jwk}
	body := map[string]any{"jti": "proof-" + b64(time.Now().String()), "htm": testHTM, "htu": testHTU,
		"iat": testNow, "ath": accessTokenHashOf(token)}
	apply(hdr, header)
	apply(body, claims)
	hj, _ := json.Marshal(hdr)
	bj, _ := json.Marshal(body)
	input := b64(string(hj)) + "." + b64(string(bj))
	return input + "." + b64(string(h.sign([]byte(input))))
}

func apply(target, overrides map[string]any) {
	for name, value := range overrides {
		if value == nil {
			delete(target, name)
		} else {
			target[name] = value
		}
	}
}

// accessTokenHashOf is RFC 9449 §4.2's ath, computed here independently.
func accessTokenHashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64(string(sum[:]))
}

func boundToken(k *testKey, h *holder) string {
	return k.sign(k.header(), claimsJSON(map[string]any{"cnf": map[string]any{"jkt": h.jkt}}))
}

func verifyDPoP(v *Verifier, token, proof, htm, htu string) error {
	_, err := v.VerifyWith(context.Background(), token, VerifyOptions{DPoP: &DPoPInput{Proof: proof, HTM: htm, HTU: htu}})
	return err
}

func TestDPoPValidProofs(t *testing.T) {
	k := newTestKey(t)
	for _, h := range []*holder{newEdHolder(t), newECHolder(t, "ES256", elliptic.P256(), 32), newECHolder(t, "ES384", elliptic.P384(), 48)} {
		t.Run(h.alg, func(t *testing.T) {
			v := newTestVerifier(t, k.jwks)
			token := boundToken(k, h)
			tok, err := v.VerifyWith(context.Background(), token, VerifyOptions{
				RequiredScopes: []string{"deploy:canary"},
				DPoP:           &DPoPInput{Proof: h.proof(token, nil, nil), HTM: testHTM, HTU: testHTU},
			})
			if err != nil {
				t.Fatal(err)
			}
			if tok.Claims.DPoPKeyThumbprint != h.jkt {
				t.Fatalf("cnf.jkt %q, want %q", tok.Claims.DPoPKeyThumbprint, h.jkt)
			}
		})
	}
}

// TestDPoPThumbprintRFC8037 checks the thumbprint against RFC 8037 Appendix A.3.
func TestDPoPThumbprintRFC8037(t *testing.T) {
	_, _, jkt, err := proofKey(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA",
		"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}})
	if err != nil || jkt != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Fatalf("thumbprint %q (%v)", jkt, err)
	}
}

func TestDPoPStolenToken(t *testing.T) {
	k, victim, thief := newTestKey(t), newEdHolder(t), newEdHolder(t)
	v := newTestVerifier(t, k.jwks)
	token := boundToken(k, victim)
	t.Run("presented as a plain bearer token", func(t *testing.T) {
		_, err := v.Verify(context.Background(), token)
		expectCode(t, err, CodeDPoPProofMissing)
	})
	t.Run("empty DPoP header", func(t *testing.T) {
		expectCode(t, verifyDPoP(v, token, "", testHTM, testHTU), CodeDPoPProofMissing)
	})
	t.Run("with a valid proof by the thief's own key", func(t *testing.T) {
		expectCode(t, verifyDPoP(v, token, thief.proof(token, nil, nil), testHTM, testHTU), CodeDPoPBindingMismatch)
	})
	t.Run("with the thief's key claimed in the header but signed by it", func(t *testing.T) {
		// The header names the victim's public key; the thief can only sign with its own.
		forged := thief.proof(token, map[string]any{"jwk": victim.jwk}, nil)
		expectCode(t, verifyDPoP(v, token, forged, testHTM, testHTU), CodeDPoPProofInvalid)
	})
	t.Run("proof of another token", func(t *testing.T) {
		other := k.sign(k.header(), claimsJSON(map[string]any{"cnf": map[string]any{"jkt": victim.jkt}, "jti": "other"}))
		expectCode(t, verifyDPoP(v, token, victim.proof(other, nil, nil), testHTM, testHTU), CodeDPoPBindingMismatch)
	})
	t.Run("proof with an unbound token", func(t *testing.T) {
		bearer := k.sign(k.header(), claimsJSON(nil))
		expectCode(t, verifyDPoP(v, bearer, victim.proof(bearer, nil, nil), testHTM, testHTU), CodeDPoPBindingMismatch)
	})
	t.Run("unbound token without proof stays a bearer token", func(t *testing.T) {
		if _, err := v.Verify(context.Background(), k.sign(k.header(), claimsJSON(nil))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDPoPProofRefusals(t *testing.T) {
	k, h := newTestKey(t), newEdHolder(t)
	token := boundToken(k, h)
	hs256 := func() string {
		hj, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "HS256", "jwk": h.jwk})
		bj, _ := json.Marshal(map[string]any{"jti": "x", "htm": testHTM, "htu": testHTU, "iat": testNow, "ath": accessTokenHashOf(token)})
		input := b64(string(hj)) + "." + b64(string(bj))
		mac := hmac.New(sha256.New, []byte(h.jwk["x"].(string)))
		mac.Write([]byte(input))
		return input + "." + b64(string(mac.Sum(nil)))
	}
	good := h.proof(token, nil, nil)
	parts := strings.Split(good, ".")
	privateJWK := map[string]any{}
	apply(privateJWK, h.jwk)
	apply(privateJWK, h.priv)
	cases := []struct {
		name     string
		proof    string
		htm, htu string
	}{
		{"other method", good, "GET", testHTU},
		{"method case", good, "post", testHTU},
		{"other path", good, testHTM, "https://api.example/admin"},
		{"other host", good, testHTM, "https://evil.example/deploy"},
		{"other scheme", good, testHTM, "http://api.example/deploy"},
		{"other port", good, testHTM, "https://api.example:8443/deploy"},
		{"path case", good, testHTM, "https://api.example/Deploy"},
		{"typ JWT", h.proof(token, map[string]any{"typ": "JWT"}, nil), testHTM, testHTU},
		{"typ missing", h.proof(token, map[string]any{"typ": nil}, nil), testHTM, testHTU},
		{"typ application/dpop+jwt", h.proof(token, map[string]any{"typ": "application/dpop+jwt"}, nil), testHTM, testHTU},
		{"htu with userinfo", h.proof(token, nil, map[string]any{"htu": "https://user@api.example/deploy"}), testHTM, testHTU},
		{"alg none", b64(`{"typ":"dpop+jwt","alg":"none","jwk":`+mustJSON(h.jwk)+`}`) + "." + parts[1] + "." + parts[2], testHTM, testHTU},
		{"alg HS256 with the public key as secret", hs256(), testHTM, testHTU},
		{"alg ES256 with an Ed25519 jwk", h.proof(token, map[string]any{"alg": "ES256"}, nil), testHTM, testHTU},
		{"private key in jwk", h.proof(token, map[string]any{"jwk": privateJWK}, nil), testHTM, testHTU},
		{"no jwk", h.proof(token, map[string]any{"jwk": nil}, nil), testHTM, testHTU},
		{"small-order jwk", h.proof(token, map[string]any{"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64("\x01" + strings.Repeat("\x00", 31))}}, nil), testHTM, testHTU},
		{"bad signature", parts[0] + "." + parts[1] + "." + flipFirst(parts[2]), testHTM, testHTU},
		{"crit", h.proof(token, map[string]any{"crit": []string{"x"}, "x": 1}, nil), testHTM, testHTU},
		{"iat too old", h.proof(token, nil, map[string]any{"iat": testNow - 91}), testHTM, testHTU},
		{"iat too new", h.proof(token, nil, map[string]any{"iat": testNow + 91}), testHTM, testHTU},
		{"own exp passed", h.proof(token, nil, map[string]any{"exp": testNow - 30}), testHTM, testHTU},
		{"own nbf ahead", h.proof(token, nil, map[string]any{"nbf": testNow + 31}), testHTM, testHTU},
		{"iat missing", h.proof(token, nil, map[string]any{"iat": nil}), testHTM, testHTU},
		{"iat a string", h.proof(token, nil, map[string]any{"iat": "1800000000"}), testHTM, testHTU},
		{"jti missing", h.proof(token, nil, map[string]any{"jti": nil}), testHTM, testHTU},
		{"jti too long", h.proof(token, nil, map[string]any{"jti": strings.Repeat("j", MaxDPoPJTILength+1)}), testHTM, testHTU},
		{"ath missing", h.proof(token, nil, map[string]any{"ath": nil}), testHTM, testHTU},
		{"htu not a URL", h.proof(token, nil, map[string]any{"htu": "/deploy"}), testHTM, testHTU},
		{"not a JWS", "not.a.jws", testHTM, testHTU},
		{"the access token as proof", token, testHTM, testHTU},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newTestVerifier(t, k.jwks)
			expectCode(t, verifyDPoP(v, token, c.proof, c.htm, c.htu), CodeDPoPProofInvalid)
		})
	}
}

func TestDPoPIATWindowAndNormalisedURI(t *testing.T) {
	k, h := newTestKey(t), newEdHolder(t)
	token := boundToken(k, h)
	accepted := []struct {
		name   string
		claims map[string]any
		htu    string
	}{
		{"iat 90 s old (60 s + 30 s tolerance)", map[string]any{"iat": testNow - 90}, testHTU},
		{"iat 90 s ahead", map[string]any{"iat": testNow + 90}, testHTU},
		{"own exp and nbf inside the tolerance", map[string]any{"exp": testNow - 29, "nbf": testNow + 30}, testHTU},
		{"host and scheme case", map[string]any{"htu": "HTTPS://API.Example/deploy"}, testHTU},
		{"default port", map[string]any{"htu": "https://api.example:443/deploy"}, testHTU},
		{"query and fragment", map[string]any{"htu": "https://api.example/deploy?x=1#f"}, testHTU + "?y=2"},
		{"empty path", map[string]any{"htu": "https://api.example"}, "https://api.example/"},
		{"dot segments", map[string]any{"htu": "https://api.example/v1/../deploy/."}, testHTU + "/"},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			v := newTestVerifier(t, k.jwks)
			if err := verifyDPoP(v, token, h.proof(token, nil, c.claims), testHTM, c.htu); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("DPoPMaxAge shrinks the window", func(t *testing.T) {
		v, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKS: k.jwks,
			DPoPMaxAge: 5 * time.Second, ClockTolerance: 5 * time.Second, Now: func() time.Time { return time.Unix(testNow, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		expectCode(t, verifyDPoP(v, token, h.proof(token, nil, map[string]any{"iat": testNow - 11}), testHTM, testHTU), CodeDPoPProofInvalid)
	})
}

func TestDPoPMaxAgeBounded(t *testing.T) {
	if _, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKS: newTestKey(t).jwks,
		DPoPMaxAge: MaxDPoPMaxAge + time.Second}); err == nil {
		t.Fatal("a DPoPMaxAge above the cap was accepted")
	}
}

func TestDPoPReplay(t *testing.T) {
	k, h := newTestKey(t), newEdHolder(t)
	token := boundToken(k, h)
	now := time.Unix(testNow, 0)
	v, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKS: k.jwks,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	proof := h.proof(token, nil, map[string]any{"jti": "once"})
	if err := verifyDPoP(v, token, proof, testHTM, testHTU); err != nil {
		t.Fatal(err)
	}
	expectCode(t, verifyDPoP(v, token, proof, testHTM, testHTU), CodeDPoPProofReplayed)
	// A new proof (new jti) for the same token is fine; a failing proof uses up nothing.
	if err := verifyDPoP(v, token, h.proof(token, nil, map[string]any{"jti": "twice"}), testHTM, testHTU); err != nil {
		t.Fatal(err)
	}
	third := h.proof(token, nil, map[string]any{"jti": "third"})
	expectCode(t, verifyDPoP(v, token, third, "GET", testHTU), CodeDPoPProofInvalid)
	if err := verifyDPoP(v, token, third, testHTM, testHTU); err != nil {
		t.Fatal(err)
	}
	// Once past its window the replayed proof is refused for its age, not accepted again.
	now = now.Add(2 * time.Minute)
	expectCode(t, verifyDPoP(v, token, proof, testHTM, testHTU), CodeDPoPProofInvalid)
}

// TestDPoPConcurrentReplay: the same proof raced in from many goroutines is accepted once.
func TestDPoPConcurrentReplay(t *testing.T) {
	k, h := newTestKey(t), newEdHolder(t)
	token := boundToken(k, h)
	v := newTestVerifier(t, k.jwks)
	proof := h.proof(token, nil, nil)
	var accepted, replayed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := verifyDPoP(v, token, proof, testHTM, testHTU)
			var verr *Error
			switch {
			case err == nil:
				accepted.Add(1)
			case errors.As(err, &verr) && verr.Code == CodeDPoPProofReplayed:
				replayed.Add(1)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 1 || replayed.Load() != 31 {
		t.Fatalf("accepted %d, replayed %d of 32 concurrent presentations", accepted.Load(), replayed.Load())
	}
}

func TestMemoryReplayCacheBoundedAndFailsClosed(t *testing.T) {
	now := time.Unix(testNow, 0)
	cache := NewMemoryReplayCache(2, func() time.Time { return now })
	ctx := context.Background()
	for _, key := range []string{"a", "b"} {
		if fresh, err := cache.Use(ctx, key, now.Add(time.Minute)); !fresh || err != nil {
			t.Fatalf("%s: fresh=%v err=%v", key, fresh, err)
		}
	}
	if fresh, err := cache.Use(ctx, "a", now.Add(time.Minute)); fresh || err != nil {
		t.Fatalf("replay of a: fresh=%v err=%v", fresh, err)
	}
	if fresh, err := cache.Use(ctx, "c", now.Add(time.Minute)); fresh || err != ErrReplayCacheFull {
		t.Fatalf("full cache must refuse, got fresh=%v err=%v", fresh, err)
	}
	now = now.Add(time.Minute)
	if fresh, err := cache.Use(ctx, "c", now.Add(time.Minute)); !fresh || err != nil || cache.Len() != 1 {
		t.Fatalf("expired entries not dropped: fresh=%v err=%v len=%d", fresh, err, cache.Len())
	}
	// Through the verifier, a full cache refuses the proof (single use unproven).
	k, h := newTestKey(t), newEdHolder(t)
	token := boundToken(k, h)
	full := NewMemoryReplayCache(1, func() time.Time { return time.Unix(testNow, 0) })
	v, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKS: k.jwks,
		ReplayCache: full, Now: func() time.Time { return time.Unix(testNow, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyDPoP(v, token, h.proof(token, nil, map[string]any{"jti": "1"}), testHTM, testHTU); err != nil {
		t.Fatal(err)
	}
	expectCode(t, verifyDPoP(v, token, h.proof(token, nil, map[string]any{"jti": "2"}), testHTM, testHTU), CodeDPoPProofReplayed)
}

func TestDPoPMalformedConfirmation(t *testing.T) {
	k := newTestKey(t)
	v := newTestVerifier(t, k.jwks)
	for name, cnf := range map[string]any{
		"cnf a string":                 "abc",
		"cnf without jkt":              map[string]any{"x5t#S256": "abc"},
		"jkt not a string":             map[string]any{"jkt": 1},
		"jkt empty":                    map[string]any{"jkt": ""},
		"jkt not a SHA-256 thumbprint": map[string]any{"jkt": "abc"},
		"jkt and another member":       map[string]any{"jkt": newEdHolder(t).jkt, "x5t#S256": "abc"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), k.sign(k.header(), claimsJSON(map[string]any{"cnf": cnf})))
			expectCode(t, err, CodeClaimsInvalid)
		})
	}
}

func mustJSON(v any) string {
	out, _ := json.Marshal(v)
	return string(out)
}

// flipFirst changes the first character of a base64url segment (a different signature).
func flipFirst(segment string) string {
	if segment[0] == 'A' {
		return "B" + segment[1:]
	}
	return "A" + segment[1:]
}

// BenchmarkVerify and BenchmarkVerifyWithDPoP compare a bearer verification with a DPoP
// one (a fresh proof per iteration, so every one passes the replay cache):
// go test -run '^$' -bench Verify -benchtime 2000x
func BenchmarkVerify(b *testing.B) {
	k := newTestKey(b)
	v := newTestVerifier(b, k.jwks)
	token := k.sign(k.header(), claimsJSON(nil))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(context.Background(), token); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyWithDPoP(b *testing.B) {
	k, h := newTestKey(b), newEdHolder(b)
	v := newTestVerifier(b, k.jwks)
	token := boundToken(k, h)
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = h.proof(token, nil, map[string]any{"jti": fmt.Sprintf("bench-%d", i)})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := verifyDPoP(v, token, proofs[i], testHTM, testHTU); err != nil {
			b.Fatal(err)
		}
	}
}
