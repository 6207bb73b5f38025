// Package frostmint verifies frostmint access tokens (EdDSA JWTs signed by a FROST
// Ed25519 quorum) with the same checks, in the same order and with the same error codes
// as the TypeScript SDK @frostmint/sdk.
package frostmint

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// MaxClockTolerance is the largest accepted ClockTolerance: more would make exp meaningless.
const MaxClockTolerance = 300 * time.Second

// Options configure a Verifier. Exactly one of JWKS and JWKSURL is required.
type Options struct {
	Issuer   string   // exact iss to accept
	Audience []string // this service's audiences; a token must name one of them
	JWKS     []byte   // a fixed JWKS document (no network)
	JWKSURL  string   // the issuer's JWKS endpoint: https, plain http only on loopback

	ClockTolerance   time.Duration // skew allowed for exp, nbf, iat; default 30 s, at most 300 s
	MaxTokenAge      time.Duration // refuse tokens whose iat is older; default 900 s
	MaxTokenLifetime time.Duration // refuse exp − iat above this; default 900 s
	Now              func() time.Time

	Fetch JWKSFetchOptions // how JWKSURL is fetched and cached

	// DPoPMaxAge: a DPoP proof's iat may be this far from now, plus ClockTolerance (RFC 9449
	// §11.1); default 60 s, at most MaxDPoPMaxAge.
	DPoPMaxAge time.Duration
	// ReplayCache records used DPoP proofs; default NewMemoryReplayCache(0, Now).
	ReplayCache ReplayCache
}

// VerifyOptions are the per-call inputs of VerifyWith.
type VerifyOptions struct {
	RequiredScopes []string   // scopes the token must all carry
	DPoP           *DPoPInput // the request's DPoP proof, method and URI (RFC 9449); nil: none
}

// VerifiedToken is a token that passed every check.
type VerifiedToken struct {
	Header map[string]any
	Claims *Claims
	Stale  bool // the keys in use are cached ones the issuer did not confirm on the last refresh
}

// Verifier verifies frostmint access tokens locally; safe for concurrent use.
type Verifier struct {
	cfg    *config
	keys   keySource
	replay ReplayCache
}

type config struct {
	issuer           string
	audiences        []string
	clockTolerance   time.Duration
	maxTokenAge      time.Duration
	maxTokenLifetime time.Duration
	dpopMaxAge       time.Duration
	now              func() time.Time
}

func (c *config) acceptsAudience(auds []string) bool {
	for _, a := range auds {
		for _, want := range c.audiences {
			if a == want {
				return true
			}
		}
	}
	return false
}

type keySource interface {
	key(ctx context.Context, kid string) (ed25519.PublicKey, bool, error)
}

// NewVerifier checks the options (a misconfiguration fails here, not at the first request).
// A fixed JWKS is imported at once; a JWKSURL is fetched on first use.
//
// Example:
//
//	v, err := frostmint.NewVerifier(frostmint.Options{
//		Issuer:   "https://mint.example",
//		Audience: []string{"deploy-api"},
//		JWKSURL:  "https://mint.example/.well-known/jwks.json",
//	})
//	tok, err := v.Verify(ctx, bearer, "deploy:canary")
func NewVerifier(o Options) (*Verifier, error) {
	if o.Issuer == "" {
		return nil, errors.New("frostmint: Issuer is required")
	}
	if len(o.Audience) == 0 || contains(o.Audience, "") {
		return nil, errors.New("frostmint: Audience must name at least one non-empty audience")
	}
	cfg := &config{
		issuer:           o.Issuer,
		audiences:        append([]string(nil), o.Audience...),
		clockTolerance:   orDefault(o.ClockTolerance, 30*time.Second),
		maxTokenAge:      orDefault(o.MaxTokenAge, 900*time.Second),
		maxTokenLifetime: orDefault(o.MaxTokenLifetime, 900*time.Second),
		dpopMaxAge:       orDefault(o.DPoPMaxAge, DefaultDPoPMaxAge),
		now:              o.Now,
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	replay := o.ReplayCache
	if replay == nil {
		replay = NewMemoryReplayCache(0, cfg.now)
	}
	if cfg.clockTolerance < 0 || cfg.clockTolerance > MaxClockTolerance {
		return nil, fmt.Errorf("frostmint: ClockTolerance must be in [0, %s]", MaxClockTolerance)
	}
	if cfg.maxTokenAge < time.Second || cfg.maxTokenLifetime < time.Second || cfg.dpopMaxAge < time.Second {
		return nil, errors.New("frostmint: MaxTokenAge, MaxTokenLifetime and DPoPMaxAge must be at least 1 s")
	}
	if cfg.dpopMaxAge > MaxDPoPMaxAge {
		return nil, fmt.Errorf("frostmint: DPoPMaxAge must be at most %s", MaxDPoPMaxAge)
	}
	if (o.JWKS == nil) == (o.JWKSURL == "") {
		return nil, errors.New("frostmint: give exactly one of JWKS and JWKSURL")
	}
	if o.JWKS != nil {
		keys, err := ParseJWKS(o.JWKS)
		if err != nil {
			return nil, err
		}
		return &Verifier{cfg: cfg, keys: staticKeys(keys), replay: replay}, nil
	}
	u, err := secureURL(o.JWKSURL)
	if err != nil {
		return nil, err
	}
	remote, err := newRemoteKeys(u, o.Fetch, cfg.now)
	if err != nil {
		return nil, err
	}
	return &Verifier{cfg: cfg, keys: remote, replay: replay}, nil
}

// Verify checks a token presented without a DPoP proof and that it carries every scope in
// requiredScopes: VerifyWith with only RequiredScopes. A DPoP-bound token (cnf.jkt) fails
// with CodeDPoPProofMissing here.
func (v *Verifier) Verify(ctx context.Context, token string, requiredScopes ...string) (*VerifiedToken, error) {
	return v.VerifyWith(ctx, token, VerifyOptions{RequiredScopes: requiredScopes})
}

// VerifyWith checks token, its DPoP proof when one is given or the token is bound, and the
// required scopes. It returns the verified token or an *Error. Order: grammar, header (alg,
// typ, kid), key, signature, claims, DPoP (proof, binding, replay), required scopes.
//
// Example (a DPoP-bound token, RFC 9449 §7.1):
//
//	tok, err := v.VerifyWith(ctx, strings.TrimPrefix(r.Header.Get("Authorization"), "DPoP "),
//		frostmint.VerifyOptions{
//			RequiredScopes: []string{"deploy:canary"},
//			DPoP: &frostmint.DPoPInput{Proof: r.Header.Get("DPoP"), HTM: r.Method,
//				HTU: "https://api.example.com" + r.URL.Path},
//		})
func (v *Verifier) VerifyWith(ctx context.Context, token string, o VerifyOptions) (*VerifiedToken, error) {
	requiredScopes := o.RequiredScopes
	for _, s := range requiredScopes {
		if !scopeToken.MatchString(s) {
			return nil, fmt.Errorf("frostmint: required scope %q is not a scope token (RFC 6749 §3.3)", s)
		}
	}
	jws, err := parseCompact(token)
	if err != nil {
		return nil, err
	}
	kid, err := checkHeader(jws.header)
	if err != nil {
		return nil, err
	}
	key, stale, err := v.keys.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(token, key); err != nil {
		return nil, err
	}
	claims, err := checkClaims(jws.payload, v.cfg, v.cfg.now().Unix())
	if err != nil {
		return nil, err
	}
	if err := v.checkDPoP(ctx, token, claims.DPoPKeyThumbprint, o.DPoP); err != nil {
		return nil, err
	}
	for _, s := range requiredScopes {
		if !claims.HasScope(s) {
			return nil, fail(CodeScopeMissing, "token lacks scope %s", s)
		}
	}
	return &VerifiedToken{Header: jws.header, Claims: claims, Stale: stale}, nil
}

// checkHeader: alg EdDSA only (RFC 8037 §3.1), no crit extension (RFC 7515 §4.1.11: none
// is understood), typ at+jwt (RFC 9068 §2.1; media types are case-insensitive and the
// application/ prefix optional, RFC 7515 §4.1.9), and a kid to look up.
func checkHeader(header map[string]any) (string, error) {
	alg, ok := header["alg"].(string)
	if !ok {
		return "", fail(CodeMalformed, "token header has no alg")
	}
	if _, ok := header["crit"]; ok {
		return "", fail(CodeMalformed, "token header names critical extensions this verifier does not understand")
	}
	if alg != "EdDSA" {
		return "", fail(CodeAlgNotAllowed, "token alg is not EdDSA")
	}
	typ, _ := header["typ"].(string)
	if typ = strings.ToLower(typ); typ != "at+jwt" && typ != "application/at+jwt" {
		return "", fail(CodeTypInvalid, "token typ is not at+jwt: not an access token (RFC 9068)")
	}
	kid, _ := header["kid"].(string)
	if kid == "" {
		return "", fail(CodeKidUnknown, "token header names no kid")
	}
	return kid, nil
}

// verifySignature lets go-jose check the Ed25519 signature over the signing input.
func verifySignature(token string, key ed25519.PublicKey) error {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return fail(CodeMalformed, "token is not a well-formed JWS")
	}
	if _, err := jws.Verify(key); err != nil {
		return fail(CodeSignatureInvalid, "token signature does not verify")
	}
	return nil
}

type staticKeys KeyMap

func (s staticKeys) key(_ context.Context, kid string) (ed25519.PublicKey, bool, error) {
	key, ok := s[kid]
	if !ok {
		return nil, false, unknownKid()
	}
	return key, false, nil
}

func unknownKid() *Error {
	return fail(CodeKidUnknown, "no key in the issuer's JWKS matches the token's kid")
}

func secureURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("frostmint: JWKSURL: %w", err)
	}
	host := u.Hostname()
	if u.Scheme == "https" || (u.Scheme == "http" && (host == "localhost" || host == "127.0.0.1" || host == "::1")) {
		return u, nil
	}
	return nil, fmt.Errorf("frostmint: JWKSURL must be https (plain http only on loopback): %s", raw)
}

func orDefault(d, fallback time.Duration) time.Duration {
	if d == 0 {
		return fallback
	}
	return d
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
