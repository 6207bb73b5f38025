package frostmint

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
)

// DefaultDPoPMaxAge is how far a DPoP proof's iat may be from now (plus ClockTolerance).
const DefaultDPoPMaxAge = 60 * time.Second

// MaxDPoPMaxAge is the largest accepted DPoPMaxAge (as in the TypeScript SDK): a proof is a
// per-request credential, not a session.
const MaxDPoPMaxAge = 300 * time.Second

// MaxDPoPJTILength caps a proof's jti (characters).
const MaxDPoPJTILength = 128

// DPoPInput is what a request presents with a DPoP-bound token (RFC 9449 §4, §7.1).
type DPoPInput struct {
	Proof string // the DPoP request header: a dpop+jwt ("" means no proof was presented)
	HTM   string // the request's method, e.g. "POST"
	HTU   string // the request's target URI as the client addressed it, e.g. "https://api.example/deploy"
}

// thumbprintSyntax is a base64url SHA-256 digest: 43 characters.
var thumbprintSyntax = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// dpopAlgs are the proof algorithms accepted, each with the JWK kty and crv it requires.
var dpopAlgs = map[string]struct{ kty, crv string }{
	"EdDSA": {"OKP", "Ed25519"},
	"ES256": {"EC", "P-256"},
	"ES384": {"EC", "P-384"},
}

// privateJWKMembers are the members that carry private or symmetric key material (RFC 7518
// §6.2.2, §6.3.2, §6.4; RFC 8037 §2): an embedded jwk must be a public key (RFC 9449 §4.2).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// proofClock is when a proof is checked, in unix seconds: its iat may be window from now,
// its own exp and nbf (if any) hold with tolerance.
type proofClock struct{ now, window, tolerance int64 }

// checkedProof is a proof whose signature and claims passed; binding is checked after.
type checkedProof struct {
	jkt string // RFC 7638 thumbprint of the proof's jwk
	jti string
	iat int64
	ath string
}

// checkDPoP applies RFC 9449 to a verified token: a token with cnf.jkt needs a proof; a
// proof needs a bound token whose cnf.jkt is the proof key's thumbprint (§6.1) and whose
// hash is the proof's ath (§4.3 step 12); the proof's jti is then used up.
func (v *Verifier) checkDPoP(ctx context.Context, token string, jkt string, in *DPoPInput) error {
	if in == nil || in.Proof == "" {
		if jkt != "" {
			return fail(CodeDPoPProofMissing, "token is bound to a key (cnf.jkt): a DPoP proof is required")
		}
		return nil
	}
	if jkt == "" {
		return fail(CodeDPoPBindingMismatch, "a DPoP proof came with a token that is not bound to a key (no cnf.jkt)")
	}
	window := v.cfg.dpopMaxAge + v.cfg.clockTolerance
	proof, err := checkProof(in, proofClock{
		now:       v.cfg.now().Unix(),
		window:    int64(window.Seconds()),
		tolerance: int64(v.cfg.clockTolerance.Seconds()),
	})
	if err != nil {
		return err
	}
	if proof.ath != accessTokenHash(token) {
		return fail(CodeDPoPBindingMismatch, "the DPoP proof's ath is not the hash of this token")
	}
	if proof.jkt != jkt {
		return fail(CodeDPoPBindingMismatch, "the DPoP proof's key is not the key the token is bound to (cnf.jkt)")
	}
	// After iat + window the proof is refused by its age, so the entry can go then.
	expires := time.Unix(proof.iat, 0).Add(window + time.Second)
	fresh, err := v.replay.Use(ctx, proof.jkt+":"+proof.jti, expires)
	if err != nil {
		return fail(CodeDPoPProofReplayed, "cannot record the DPoP proof's jti, so single use is unproven: %v", err)
	}
	if !fresh {
		return fail(CodeDPoPProofReplayed, "the DPoP proof's jti was used before")
	}
	return nil
}

// checkProof runs RFC 9449 §4.3 steps 2–11 on a proof: one well-formed JWT (frostmint's
// strict grammar), typ dpop+jwt, an allowed asymmetric alg, a public jwk of that alg's key
// type, a valid signature under it, then jti, htm, htu, iat and an ath to compare.
func checkProof(in *DPoPInput, clock proofClock) (*checkedProof, error) {
	jws, err := parseCompact(in.Proof)
	if err != nil {
		var verr *Error
		errors.As(err, &verr)
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof: %s", verr.Message)
	}
	alg, key, jkt, err := proofKey(jws.header)
	if err != nil {
		return nil, err
	}
	signed, err := jose.ParseSignedCompact(in.Proof, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof is not a well-formed JWS")
	}
	if _, err := signed.Verify(key); err != nil {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof signature does not verify under its jwk")
	}
	return proofClaims(jws.payload, in, jkt, clock)
}

// proofKey checks the proof header (RFC 9449 §4.2, §4.3 steps 4–7) and imports its jwk.
func proofKey(header map[string]any) (string, crypto.PublicKey, string, error) {
	if _, ok := header["crit"]; ok {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof header names critical extensions")
	}
	if header["typ"] != "dpop+jwt" { // exactly, as RFC 9449 §4.2 writes it
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof typ is not dpop+jwt")
	}
	alg, _ := header["alg"].(string)
	want, ok := dpopAlgs[alg]
	if !ok {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof alg is not one of EdDSA, ES256, ES384")
	}
	jwk, ok := header["jwk"].(map[string]any)
	if !ok {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof header has no jwk object")
	}
	for _, member := range privateJWKMembers {
		if _, private := jwk[member]; private {
			return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof jwk carries private key material")
		}
	}
	if jwk["kty"] != want.kty || jwk["crv"] != want.crv {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof jwk is not a %s %s key as alg %s requires", want.kty, want.crv, alg)
	}
	raw, err := json.Marshal(jwk)
	if err != nil {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof jwk cannot be read")
	}
	var parsed jose.JSONWebKey
	if err := parsed.UnmarshalJSON(raw); err != nil || !parsed.IsPublic() {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof jwk is not a valid public key")
	}
	if err := checkProofKeyType(alg, parsed.Key); err != nil {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof jwk: %v", err)
	}
	thumbprint, err := parsed.Thumbprint(crypto.SHA256) // RFC 7638 §3
	if err != nil {
		return "", nil, "", fail(CodeDPoPProofInvalid, "DPoP proof jwk has no thumbprint")
	}
	return alg, parsed.Key, base64.RawURLEncoding.EncodeToString(thumbprint), nil
}

func checkProofKeyType(alg string, key any) error {
	switch k := key.(type) {
	case ed25519.PublicKey:
		if alg == "EdDSA" {
			return checkPrimeOrderPoint(k)
		}
	case *ecdsa.PublicKey:
		if (alg == "ES256" && k.Curve == elliptic.P256()) || (alg == "ES384" && k.Curve == elliptic.P384()) {
			return nil
		}
	}
	return errors.New("key type does not match alg")
}

// proofClaims checks the proof's claims (RFC 9449 §4.2, §4.3 steps 8–11).
func proofClaims(payload map[string]any, in *DPoPInput, jkt string, clock proofClock) (*checkedProof, error) {
	jti, _ := payload["jti"].(string)
	if jti == "" || utf8.RuneCountInString(jti) > MaxDPoPJTILength {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof jti is missing, empty or longer than %d characters", MaxDPoPJTILength)
	}
	if htm, _ := payload["htm"].(string); htm != in.HTM {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof htm is not the request's method")
	}
	htu, _ := payload["htu"].(string)
	got, okGot := normalizeHTU(htu)
	want, okWant := normalizeHTU(in.HTU)
	if !okGot || !okWant || got != want {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof htu is not the request's URI")
	}
	raw, present := payload["iat"]
	iat, ok := numericDate(raw)
	if !present || !ok {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof iat is missing or not an integer NumericDate")
	}
	if iat < clock.now-clock.window || iat > clock.now+clock.window {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof iat is more than %d s from now", clock.window)
	}
	if err := proofValidity(payload, clock); err != nil {
		return nil, err
	}
	ath, _ := payload["ath"].(string)
	if ath == "" {
		return nil, fail(CodeDPoPProofInvalid, "DPoP proof has no ath (hash of the access token)")
	}
	return &checkedProof{jkt: jkt, jti: jti, iat: iat, ath: ath}, nil
}

// proofValidity: a proof's own nbf and exp, when present, hold too (RFC 7519 §4.1.4–4.1.5),
// as the TypeScript SDK's JOSE library checks them.
func proofValidity(payload map[string]any, clock proofClock) error {
	for _, name := range []string{"nbf", "exp"} {
		raw, present := payload[name]
		if !present {
			continue
		}
		date, ok := numericDate(raw)
		if !ok {
			return fail(CodeDPoPProofInvalid, "DPoP proof %s is not an integer NumericDate", name)
		}
		if (name == "nbf" && date > clock.now+clock.tolerance) || (name == "exp" && date <= clock.now-clock.tolerance) {
			return fail(CodeDPoPProofInvalid, "DPoP proof is outside its own %s", name)
		}
	}
	return nil
}

// normalizeHTU reduces an http(s) URI to what RFC 9449 §4.3 step 9 compares: scheme and
// host in lower case, the default port dropped, an empty path as "/", dot segments removed
// (RFC 3986 §6.2.2–6.2.3), query and fragment ignored. A URI with userinfo is refused.
func normalizeHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil || u.Hostname() == "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && port != map[string]string{"http": "80", "https": "443"}[u.Scheme] {
		host += ":" + port
	}
	path := removeDotSegments(u.EscapedPath())
	if path == "" {
		path = "/"
	}
	return u.Scheme + "://" + host + path, true
}

// removeDotSegments resolves "." and ".." in an absolute path (RFC 3986 §5.2.4).
func removeDotSegments(path string) string {
	segments := strings.Split(path, "/")
	out := make([]string, 0, len(segments))
	for i, segment := range segments {
		last := i == len(segments)-1
		switch segment {
		case ".":
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, segment)
			continue
		}
		if last { // a trailing "." or ".." leaves a directory: the path ends in "/"
			out = append(out, "")
		}
	}
	return strings.Join(out, "/")
}

// accessTokenHash is the ath of RFC 9449 §4.2: base64url of SHA-256 over the token's ASCII.
func accessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// confirmationKey reads cnf (RFC 7800 §3.1) as RFC 9449 §6.1 binds it: absent for a bearer
// token, else exactly {jkt: a base64url SHA-256 thumbprint}. Any other cnf is refused, since
// this verifier could not check what it confirms.
func confirmationKey(payload map[string]any) (string, error) {
	raw, present := payload["cnf"]
	if !present {
		return "", nil
	}
	cnf, _ := raw.(map[string]any)
	jkt, _ := cnf["jkt"].(string)
	if len(cnf) != 1 || !thumbprintSyntax.MatchString(jkt) {
		return "", fail(CodeClaimsInvalid, "token cnf claim is not {jkt: thumbprint}")
	}
	return jkt, nil
}
