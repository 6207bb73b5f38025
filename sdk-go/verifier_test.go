package frostmint

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testIssuer   = "https://mint.example"
	testAudience = "deploy-api"
	testNow      = 1_800_000_000
)

type testKey struct {
	priv ed25519.PrivateKey
	kid  string
	jwks []byte
}

func newTestKey(t testing.TB) *testKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{priv: priv, kid: "k1", jwks: jwksOf("k1", pub)}
}

func jwksOf(kid string, x []byte) []byte {
	return []byte(fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":%q,"x":%q}]}`,
		kid, base64.RawURLEncoding.EncodeToString(x)))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// sign signs raw header and payload JSON text as given (so tests control every byte).
func (k *testKey) sign(header, payload string) string {
	input := b64(header) + "." + b64(payload)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k.priv, []byte(input)))
}

func (k *testKey) header() string {
	return fmt.Sprintf(`{"alg":"EdDSA","typ":"at+jwt","kid":%q}`, k.kid)
}

func claimsJSON(overrides map[string]any) string {
	claims := map[string]any{
		"iss": testIssuer, "sub": "alice@example.com", "aud": testAudience,
		"scope": "deploy:canary read", "iat": testNow, "nbf": testNow, "exp": testNow + 900,
		"jti": "AAAAAAAAAAAAAAAAAAAAAA", "client_id": "frostmint-cli",
		"frostmint": map[string]any{"signers": []int{1, 2}},
	}
	for name, value := range overrides {
		if value == nil {
			delete(claims, name)
		} else {
			claims[name] = value
		}
	}
	out, _ := json.Marshal(claims)
	return string(out)
}

func newTestVerifier(t testing.TB, jwks []byte) *Verifier {
	t.Helper()
	v, err := NewVerifier(Options{
		Issuer: testIssuer, Audience: []string{testAudience}, JWKS: jwks,
		Now: func() time.Time { return time.Unix(testNow, 0) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func expectCode(t *testing.T, err error, want Code) {
	t.Helper()
	var verr *Error
	if !errors.As(err, &verr) {
		t.Fatalf("want %s, got %v", want, err)
	}
	if verr.Code != want {
		t.Fatalf("want %s, got %s (%s)", want, verr.Code, verr.Message)
	}
}

func TestValidToken(t *testing.T) {
	k := newTestKey(t)
	v := newTestVerifier(t, k.jwks)
	tok, err := v.Verify(context.Background(), k.sign(k.header(), claimsJSON(nil)), "deploy:canary")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Claims.Subject != "alice@example.com" || !tok.Claims.HasScope("read") || tok.Stale {
		t.Fatalf("unexpected claims %+v", tok.Claims)
	}
}

func TestRefusals(t *testing.T) {
	k := newTestKey(t)
	v := newTestVerifier(t, k.jwks)
	good := k.sign(k.header(), claimsJSON(nil))
	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[63] ^= 1
	cases := []struct {
		name  string
		token string
		want  Code
	}{
		{"empty", "", CodeMalformed},
		{"two segments", parts[0] + "." + parts[1], CodeMalformed},
		{"padding", good + "==", CodeMalformed},
		{"whitespace", good + " ", CodeMalformed},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/", CodeMalformed},
		{"nonzero trailing bits", parts[0] + "." + parts[1] + "." + parts[2][:85] + "B", CodeMalformed},
		{"oversize", k.sign(k.header(), claimsJSON(map[string]any{"pad": strings.Repeat("x", MaxTokenBytes)})), CodeMalformed},
		{"duplicate header member", k.sign(`{"alg":"EdDSA","typ":"at+jwt","kid":"k1","kid":"k1"}`, claimsJSON(nil)), CodeMalformed},
		{"duplicate payload member", k.sign(k.header(), strings.Replace(claimsJSON(nil), `{`, `{"scope":"admin",`, 1)), CodeMalformed},
		{"duplicate via escape", k.sign(k.header(), strings.Replace(claimsJSON(nil), `{`, `{"sc\u006fpe":"admin",`, 1)), CodeMalformed},
		{"too deep", k.sign(k.header(), claimsJSON(map[string]any{"x": json.RawMessage(strings.Repeat("[", 8) + strings.Repeat("]", 8))})), CodeMalformed},
		{"invalid utf-8", k.sign(k.header(), strings.Replace(claimsJSON(nil), "alice", "al\xffce", 1)), CodeMalformed},
		{"payload not an object", k.sign(k.header(), `[1]`), CodeMalformed},
		{"alg none", k.sign(`{"alg":"none","typ":"at+jwt","kid":"k1"}`, claimsJSON(nil)), CodeAlgNotAllowed},
		{"crit", k.sign(`{"alg":"EdDSA","typ":"at+jwt","kid":"k1","crit":["exp"],"exp":1}`, claimsJSON(nil)), CodeMalformed},
		{"typ JWT", k.sign(`{"alg":"EdDSA","typ":"JWT","kid":"k1"}`, claimsJSON(nil)), CodeTypInvalid},
		{"no kid", k.sign(`{"alg":"EdDSA","typ":"at+jwt"}`, claimsJSON(nil)), CodeKidUnknown},
		{"unknown kid", k.sign(`{"alg":"EdDSA","typ":"at+jwt","kid":"k2"}`, claimsJSON(nil)), CodeKidUnknown},
		{"bad signature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig), CodeSignatureInvalid},
		{"wrong issuer", k.sign(k.header(), claimsJSON(map[string]any{"iss": "https://evil.example"})), CodeIssuerInvalid},
		{"wrong audience", k.sign(k.header(), claimsJSON(map[string]any{"aud": []string{"other"}})), CodeAudienceInvalid},
		{"no sub", k.sign(k.header(), claimsJSON(map[string]any{"sub": nil})), CodeClaimsInvalid},
		{"expired", k.sign(k.header(), claimsJSON(map[string]any{"iat": testNow - 900, "nbf": testNow - 900, "exp": testNow - 31})), CodeExpired},
		{"nbf future", k.sign(k.header(), claimsJSON(map[string]any{"nbf": testNow + 31})), CodeNotYetValid},
		{"lifetime", k.sign(k.header(), claimsJSON(map[string]any{"exp": testNow + 901})), CodeLifetimeExceeded},
		{"exp not an integer", k.sign(k.header(), claimsJSON(map[string]any{"exp": 1800000100.5})), CodeClaimsInvalid},
		{"exp 1e999", k.sign(k.header(), claimsJSON(map[string]any{"exp": json.RawMessage("1e999")})), CodeMalformed},
		{"exp a string", k.sign(k.header(), claimsJSON(map[string]any{"exp": "1800000100"})), CodeClaimsInvalid},
		{"double space in scope", k.sign(k.header(), claimsJSON(map[string]any{"scope": "deploy:canary  read"})), CodeScopeInvalid},
		{"duplicate scope", k.sign(k.header(), claimsJSON(map[string]any{"scope": "read read"})), CodeScopeInvalid},
		{"scope not a string", k.sign(k.header(), claimsJSON(map[string]any{"scope": []string{"read"}})), CodeClaimsInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), c.token)
			expectCode(t, err, c.want)
		})
	}
	t.Run("missing required scope", func(t *testing.T) {
		_, err := v.Verify(context.Background(), good, "deploy:prod")
		expectCode(t, err, CodeScopeMissing)
	})
}

func TestDepthAndSizeBoundaries(t *testing.T) {
	k := newTestKey(t)
	v := newTestVerifier(t, k.jwks)
	// The payload object is depth 1, so 7 nested arrays reach exactly MaxJSONDepth.
	atCap := claimsJSON(map[string]any{"x": json.RawMessage(strings.Repeat("[", 7) + strings.Repeat("]", 7))})
	if _, err := v.Verify(context.Background(), k.sign(k.header(), atCap)); err != nil {
		t.Fatalf("depth %d refused: %v", MaxJSONDepth, err)
	}
	padded := func(n int) string {
		return k.sign(k.header(), claimsJSON(map[string]any{"pad": strings.Repeat("x", n)}))
	}
	fill := 0
	for len(padded(fill+1)) <= MaxTokenBytes {
		fill++
	}
	if _, err := v.Verify(context.Background(), padded(fill)); err != nil {
		t.Fatalf("token of %d bytes refused: %v", len(padded(fill)), err)
	}
	_, err := v.Verify(context.Background(), padded(fill+1))
	expectCode(t, err, CodeMalformed)
}

func TestJWKSKeyValidation(t *testing.T) {
	identity := make([]byte, 32)
	identity[0] = 1
	nonCanonical := make([]byte, 32) // y = p (≡ 0): a non-canonical encoding
	copy(nonCanonical, []byte{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	notOnCurve := make([]byte, 32)
	notOnCurve[0] = 2
	for name, x := range map[string][]byte{"identity": identity, "y = p": nonCanonical, "not on curve": notOnCurve, "short": identity[:31]} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseJWKS(jwksOf("k1", x))
			expectCode(t, err, CodeJWKSInvalid)
		})
	}
	for name, doc := range map[string]string{
		"no keys":     `{"keys":[]}`,
		"private key": `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}`,
		"duplicate kid": `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},` +
			`{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseJWKS([]byte(doc))
			expectCode(t, err, CodeJWKSInvalid)
		})
	}
	keys, err := ParseJWKS([]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	if err != nil || len(keys) != 1 {
		t.Fatalf("RFC 8037 test key refused or RSA key not skipped: %v", err)
	}
}

// TestForgedTokenUnderSmallOrderKey: with the identity point as key, S = 0 and R = identity
// verify for every message; the key must never be accepted.
func TestForgedTokenUnderSmallOrderKey(t *testing.T) {
	identity := make([]byte, 32)
	identity[0] = 1
	forgedSig := append(append([]byte{}, identity...), make([]byte, 32)...)
	if !ed25519.Verify(identity, []byte("anything"), forgedSig) {
		t.Fatal("precondition: crypto/ed25519 accepts the forged signature under the identity key")
	}
	_, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKS: jwksOf("k1", identity)})
	expectCode(t, err, CodeJWKSInvalid)
}

func TestRemoteJWKSCache(t *testing.T) {
	k := newTestKey(t)
	var fail atomic.Bool
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(k.jwks)
	}))
	defer srv.Close()
	now := time.Unix(testNow, 0)
	v, err := NewVerifier(Options{
		Issuer: testIssuer, Audience: []string{testAudience}, JWKSURL: srv.URL,
		Now:   func() time.Time { return now },
		Fetch: JWKSFetchOptions{RefreshInterval: time.Minute, Cooldown: 10 * time.Second, MaxStaleness: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	token := func() string {
		iat := now.Unix()
		return k.sign(k.header(), claimsJSON(map[string]any{"iat": iat, "nbf": iat, "exp": iat + 600}))
	}
	if tok, err := v.Verify(context.Background(), token()); err != nil || tok.Stale {
		t.Fatalf("first verify: %v", err)
	}
	fail.Store(true)
	now = now.Add(2 * time.Minute)
	// Due for refresh: answered from cache at once, the refresh runs in the background.
	if _, err := v.Verify(context.Background(), token()); err != nil {
		t.Fatalf("due refresh must not block verification: %v", err)
	}
	v.keys.(*remoteKeys).inflight.Wait()
	tok, err := v.Verify(context.Background(), token())
	if err != nil || !tok.Stale {
		t.Fatalf("want stale cached keys after a failed refresh, got %v", err)
	}
	v.keys.(*remoteKeys).inflight.Wait()
	now = now.Add(time.Hour)
	_, err = v.Verify(context.Background(), token())
	expectCode(t, err, CodeJWKSStale)
	fail.Store(false)
	now = now.Add(time.Minute)
	if tok, err := v.Verify(context.Background(), token()); err != nil || tok.Stale {
		t.Fatalf("recovery: %v", err)
	}
	v.keys.(*remoteKeys).inflight.Wait()
	if tok, err := v.Verify(context.Background(), token()); err != nil || tok.Stale {
		t.Fatalf("recovery: %v", err)
	}
	before := fetches.Load()
	for i := 0; i < 5; i++ {
		_, err = v.Verify(context.Background(), k.sign(`{"alg":"EdDSA","typ":"at+jwt","kid":"nope"}`, claimsJSON(nil)))
		expectCode(t, err, CodeKidUnknown)
	}
	if fetches.Load()-before > 1 {
		t.Fatalf("unknown kids caused %d fetches within the cooldown", fetches.Load()-before)
	}
}

func TestRemoteJWKSBodyCapAndRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/big", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte(`{"keys":[],"pad":"`))
		for i := 0; i < MaxJWKSBytes/1024+1; i++ {
			_, _ = w.Write([]byte(strings.Repeat("x", 1024)))
		}
	}))
	defer srv.Close()
	for path, want := range map[string]Code{"/big": CodeJWKSUnavailable, "/redirect": CodeJWKSUnavailable} {
		v, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKSURL: srv.URL + path})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), newTestKey(t).sign(`{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}`, claimsJSON(nil)))
		expectCode(t, err, want)
		if path == "/big" && !strings.Contains(err.Error(), "exceeds") {
			t.Fatalf("want the size cap named, got %v", err)
		}
	}
}

func TestOptionsRefuseInsecureJWKSURL(t *testing.T) {
	if _, err := NewVerifier(Options{Issuer: testIssuer, Audience: []string{testAudience}, JWKSURL: "http://mint.example/jwks"}); err == nil {
		t.Fatal("plain http to a remote host accepted")
	}
}
