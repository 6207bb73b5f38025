package frostmint

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"

	"filippo.io/edwards25519"
	"github.com/go-jose/go-jose/v4"
)

// KeyMap holds the verification keys of a JWKS by kid.
type KeyMap map[string]ed25519.PublicKey

// ParseJWKS imports the Ed25519 verification keys of a JWKS document (RFC 7517 §5, RFC
// 8037 §2). Keys of another type or curve, or marked for another use or algorithm, are
// skipped. A set without one usable key, an Ed25519 key without kid, a repeated kid, a key
// carrying private material, or an x that is not a valid prime-order point make the whole
// document invalid (CodeJWKSInvalid), so a broken publication never replaces a good cache.
//
// Example:
//
//	keys, err := frostmint.ParseJWKS(body)
func ParseJWKS(document []byte) (KeyMap, error) {
	value, err := strictJSON(document)
	if err != nil {
		return nil, fail(CodeJWKSInvalid, "the JWKS is not strict JSON: %v", err)
	}
	set, _ := value.(map[string]any)
	list, ok := set["keys"].([]any)
	if !ok {
		return nil, fail(CodeJWKSInvalid, `the JWKS has no "keys" array`)
	}
	keys := KeyMap{}
	for _, entry := range list {
		jwk, _ := entry.(map[string]any)
		if !isEd25519SigningKey(jwk) {
			continue
		}
		kid, _ := jwk["kid"].(string)
		if kid == "" {
			return nil, fail(CodeJWKSInvalid, "an Ed25519 key has no kid")
		}
		if _, private := jwk["d"]; private {
			return nil, fail(CodeJWKSInvalid, "key %s carries private key material", kid)
		}
		if _, dup := keys[kid]; dup {
			return nil, fail(CodeJWKSInvalid, "kid %s appears twice", kid)
		}
		key, err := importEd25519(jwk)
		if err != nil {
			return nil, fail(CodeJWKSInvalid, "key %s cannot be imported: %v", kid, err)
		}
		keys[kid] = key
	}
	if len(keys) == 0 {
		return nil, fail(CodeJWKSInvalid, "the JWKS has no Ed25519 signing key")
	}
	return keys, nil
}

func isEd25519SigningKey(jwk map[string]any) bool {
	if jwk == nil || jwk["kty"] != "OKP" || jwk["crv"] != "Ed25519" {
		return false
	}
	use, hasUse := jwk["use"]
	alg, hasAlg := jwk["alg"]
	return (!hasUse || use == "sig") && (!hasAlg || alg == "EdDSA" || alg == "Ed25519")
}

// importEd25519 lets go-jose import the JWK (it checks x is 32 bytes of base64url), then
// decodes x as RFC 8032 §5.1.3 demands and refuses small-order points: with such a key a
// forged signature verifies for any message.
func importEd25519(jwk map[string]any) (ed25519.PublicKey, error) {
	raw, err := json.Marshal(map[string]any{"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]})
	if err != nil {
		return nil, err
	}
	var parsed jose.JSONWebKey
	if err := parsed.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	key, ok := parsed.Key.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an Ed25519 public key")
	}
	return key, checkPrimeOrderPoint(key)
}

// checkPrimeOrderPoint accepts only a canonical encoding (y < p, no sign bit on x = 0) of a
// point on the curve whose order is not small (RFC 8032 §5.1.3; [8]A ≠ identity).
func checkPrimeOrderPoint(encoded []byte) error {
	point, err := new(edwards25519.Point).SetBytes(encoded)
	if err != nil {
		return errors.New("x is not a point on Ed25519")
	}
	if !bytes.Equal(point.Bytes(), encoded) {
		return errors.New("x is not a canonical point encoding")
	}
	if new(edwards25519.Point).MultByCofactor(point).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return errors.New("x is a small-order point")
	}
	return nil
}
