package frostmint

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// scopeToken is an RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`.
var scopeToken = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)

// maxNumericDate is the largest integer every verifier represents exactly (2^53 − 1).
const maxNumericDate = 1<<53 - 1

// Claims are the checked claims of a verified token (RFC 9068 §2.2); All holds every
// payload member as signed, numbers as json.Number.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	Scopes    []string
	IssuedAt  int64
	NotBefore int64 // 0 when absent
	Expiry    int64
	// DPoPKeyThumbprint is cnf.jkt (RFC 9449 §6.1): the key a bound token's presenter must
	// prove with a DPoP proof; "" for a bearer token.
	DPoPKeyThumbprint string
	All               map[string]any
}

// HasScope reports whether the token carries the scope token s.
func (c *Claims) HasScope(s string) bool {
	for _, granted := range c.Scopes {
		if granted == s {
			return true
		}
	}
	return false
}

// checkClaims applies the claim checks in the order the TypeScript SDK does: presence,
// issuer, audience, NumericDates (RFC 7519 §2: here finite non-negative integers), nbf,
// exp, iat age, lifetime cap, sub and scope types, RFC 6749 §3.3 scope grammar.
func checkClaims(payload map[string]any, cfg *config, now int64) (*Claims, error) {
	// As jose (TypeScript SDK): an absent iss or aud is a missing claim, a wrong one a mismatch.
	for _, name := range []string{"exp", "iat", "sub", "iss", "aud"} {
		if _, ok := payload[name]; !ok {
			return nil, fail(CodeClaimsInvalid, "token %s claim is missing", name)
		}
	}
	iss, _ := payload["iss"].(string)
	if iss != cfg.issuer {
		return nil, fail(CodeIssuerInvalid, "token issuer is not the configured issuer")
	}
	audiences, ok := audienceOf(payload["aud"])
	if !ok || !cfg.acceptsAudience(audiences) {
		return nil, fail(CodeAudienceInvalid, "token audience does not include this service")
	}
	dates := map[string]int64{}
	for _, name := range []string{"iat", "nbf", "exp"} {
		value, present := payload[name]
		if !present {
			continue
		}
		date, ok := numericDate(value)
		if !ok {
			return nil, fail(CodeClaimsInvalid, "token %s claim is not an integer NumericDate", name)
		}
		dates[name] = date
	}
	tolerance := int64(cfg.clockTolerance.Seconds())
	if nbf, ok := dates["nbf"]; ok && nbf > now+tolerance {
		return nil, fail(CodeNotYetValid, "token is not valid yet (nbf)")
	}
	exp, iat := dates["exp"], dates["iat"]
	if exp <= now-tolerance {
		return nil, fail(CodeExpired, "token has expired (exp)")
	}
	age := now - iat
	if age-tolerance > int64(cfg.maxTokenAge.Seconds()) {
		return nil, fail(CodeExpired, "token is older than MaxTokenAge (iat)")
	}
	if age < -tolerance {
		return nil, fail(CodeNotYetValid, "token is issued in the future (iat)")
	}
	if exp-iat > int64(cfg.maxTokenLifetime.Seconds()) {
		return nil, fail(CodeLifetimeExceeded, "token lifetime %d s exceeds %d s", exp-iat, int64(cfg.maxTokenLifetime.Seconds()))
	}
	sub, _ := payload["sub"].(string)
	if sub == "" {
		return nil, fail(CodeClaimsInvalid, "token sub claim is missing or empty")
	}
	claims := &Claims{Issuer: iss, Subject: sub, Audience: audiences, IssuedAt: iat, NotBefore: dates["nbf"], Expiry: exp, All: payload}
	if raw, present := payload["scope"]; present {
		scope, ok := raw.(string)
		if !ok {
			return nil, fail(CodeClaimsInvalid, "token scope claim is not a string")
		}
		if claims.Scopes, ok = parseScope(scope); !ok {
			return nil, fail(CodeScopeInvalid, "token scope claim is not RFC 6749 scope syntax")
		}
	}
	jkt, err := confirmationKey(payload)
	if err != nil {
		return nil, err
	}
	claims.DPoPKeyThumbprint = jkt
	return claims, nil
}

// parseScope splits a scope claim: scope-tokens separated by single spaces, none repeated
// (RFC 6749 §3.3).
func parseScope(scope string) ([]string, bool) {
	tokens := strings.Split(scope, " ")
	seen := map[string]bool{}
	for _, t := range tokens {
		if !scopeToken.MatchString(t) || seen[t] {
			return nil, false
		}
		seen[t] = true
	}
	return tokens, true
}

func audienceOf(value any) ([]string, bool) {
	switch aud := value.(type) {
	case string:
		return []string{aud}, true
	case []any:
		out := make([]string, 0, len(aud))
		for _, a := range aud {
			s, ok := a.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// numericDate accepts a JSON number denoting a finite integer in [0, 2^53 − 1]; `1e999`,
// `1.5` and strings are refused.
func numericDate(value any) (int64, bool) {
	number, ok := value.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(number), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) || f < 0 || f > maxNumericDate {
		return 0, false
	}
	return int64(f), true
}
