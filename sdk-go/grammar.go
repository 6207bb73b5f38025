package frostmint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTokenBytes caps the compact token before anything is decoded (same cap as the
// TypeScript SDK and the signers).
const MaxTokenBytes = 8192

// MaxJSONDepth caps nesting in the header and payload: the top-level object is depth 1,
// every nested object or array adds one.
const MaxJSONDepth = 8

// compactJWS is a token that passed the strict grammar: three canonical base64url
// segments whose first two are JSON objects with unique member names.
type compactJWS struct {
	header       map[string]any
	payload      map[string]any
	signingInput string
}

// parseCompact applies frostmint's one strict token grammar (RFC 7515 §7.1 compact
// serialization, tightened): at most MaxTokenBytes, exactly three segments, each canonical
// base64url (RFC 4648 §5 alphabet, no padding or whitespace, unused trailing bits zero),
// header and payload strict JSON objects (RFC 8259, UTF-8, unique member names at every
// depth as RFC 7515 §4 and RFC 7519 §4 require, at most MaxJSONDepth deep).
func parseCompact(token string) (*compactJWS, error) {
	if token == "" {
		return nil, fail(CodeMalformed, "no token given")
	}
	if len(token) > MaxTokenBytes {
		return nil, fail(CodeMalformed, "token exceeds %d bytes", MaxTokenBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fail(CodeMalformed, "token must have exactly three segments")
	}
	for i, name := range []string{"header", "payload", "signature"} {
		if _, err := decodeSegment(parts[i]); err != nil {
			return nil, fail(CodeMalformed, "%s: %v", name, err)
		}
	}
	header, err := decodeObject(parts[0])
	if err != nil {
		return nil, fail(CodeMalformed, "header: %v", err)
	}
	payload, err := decodeObject(parts[1])
	if err != nil {
		return nil, fail(CodeMalformed, "payload: %v", err)
	}
	return &compactJWS{header: header, payload: payload, signingInput: parts[0] + "." + parts[1]}, nil
}

// decodeSegment decodes canonical unpadded base64url (RFC 7515 §2): re-encoding the bytes
// must give the segment back, which refuses padding, whitespace, other alphabets and
// nonzero unused trailing bits.
func decodeSegment(segment string) ([]byte, error) {
	if segment == "" {
		return nil, errors.New("empty segment")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(segment)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != segment {
		return nil, errors.New("not canonical base64url")
	}
	return raw, nil
}

func decodeObject(segment string) (map[string]any, error) {
	raw, err := decodeSegment(segment)
	if err != nil {
		return nil, err
	}
	value, err := strictJSON(raw)
	if err != nil {
		return nil, err
	}
	object, ok := value.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return object, nil
}

// strictJSON parses one JSON value, refusing what encoding/json silently accepts:
// invalid UTF-8 and duplicate member names (last-wins there, first-wins elsewhere: RFC 7515
// §4 and RFC 7519 §4 require unique names) and numbers beyond double range. Numbers stay
// json.Number.
func strictJSON(raw []byte) (any, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	value, err := readValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return value, nil
}

func readValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if number, isNumber := tok.(json.Number); isNumber {
		// RFC 7493 §2.2 (I-JSON): a number beyond IEEE 754 double range is refused, as the
		// TypeScript and Python verifiers refuse it.
		if _, err := strconv.ParseFloat(number.String(), 64); err != nil {
			return nil, fmt.Errorf("number %s is out of range", number)
		}
		return number, nil
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth+1 > MaxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d", MaxJSONDepth)
	}
	switch delim {
	case '{':
		object := map[string]any{}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("not JSON: %w", err)
			}
			name := key.(string)
			if _, dup := object[name]; dup {
				return nil, fmt.Errorf("duplicate member name %q", name)
			}
			if object[name], err = readValue(dec, depth+1); err != nil {
				return nil, err
			}
		}
		_, err = dec.Token()
		return object, err
	case '[':
		array := []any{}
		for dec.More() {
			item, err := readValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			array = append(array, item)
		}
		_, err = dec.Token()
		return array, err
	}
	return nil, errors.New("not JSON")
}
