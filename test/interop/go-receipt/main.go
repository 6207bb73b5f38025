// Command go-receipt verifies a frostmint audit receipt with independent implementations:
// the checkpoint's signed note with golang.org/x/mod/sumdb/note (the Go checksum database's
// verifier) under the FROST group key, and the inclusion proof with
// github.com/transparency-dev/merkle (RFC 6962/9162 hashing). None of frostmint's own code is
// used: the interop test (test/integration/audit-interop.test.ts) feeds it a receipt the real
// stack produced.
//
// Usage:
//
//	go-receipt -receipt receipt.json -origin frostmint.local/audit -key <base64 Ed25519 public key>
//
// Prints one JSON line {"ok":true,...} and exits 0, or prints the reason and exits 1.
package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// receipt is the version 1 receipt JSON (docs/audit.md).
type receipt struct {
	Version        int      `json:"version"`
	LogIndex       uint64   `json:"log_index"`
	Entry          string   `json:"entry"`
	InclusionProof []string `json:"inclusion_proof"`
	Checkpoint     string   `json:"checkpoint"`
}

type result struct {
	OK       bool     `json:"ok"`
	Origin   string   `json:"origin"`
	Size     uint64   `json:"size"`
	LogIndex uint64   `json:"log_index"`
	Signers  []string `json:"signers"`
}

func main() {
	receiptPath := flag.String("receipt", "", "receipt JSON file")
	origin := flag.String("origin", "", "log origin (the note key name)")
	key := flag.String("key", "", "base64 Ed25519 group public key (the JWKS x, re-encoded)")
	flag.Parse()
	res, err := verify(*receiptPath, *origin, *key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "receipt does not verify:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

func verify(path, origin, key string) (*result, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r receipt
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("receipt JSON: %w", err)
	}
	if r.Version != 1 {
		return nil, fmt.Errorf("receipt version %d", r.Version)
	}
	pub, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("-key is not a base64 Ed25519 public key")
	}
	vkey, err := note.NewEd25519VerifierKey(origin, ed25519.PublicKey(pub))
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("verifier: %w", err)
	}
	// note.Open ignores signatures by unknown keys (the witnesses' cosignatures).
	n, err := note.Open([]byte(r.Checkpoint), note.VerifierList(verifier))
	if err != nil {
		return nil, fmt.Errorf("checkpoint note: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != origin {
		return nil, errors.New("checkpoint: not a checkpoint of this origin")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("checkpoint size: %w", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return nil, errors.New("checkpoint root is not 32 bytes of base64")
	}
	entry, err := base64.StdEncoding.DecodeString(r.Entry)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	hashes := make([][]byte, len(r.InclusionProof))
	for i, h := range r.InclusionProof {
		if hashes[i], err = base64.StdEncoding.DecodeString(h); err != nil || len(hashes[i]) != 32 {
			return nil, fmt.Errorf("inclusion proof hash %d is not 32 bytes of base64", i)
		}
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(entry)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, r.LogIndex, size, leaf, hashes, root); err != nil {
		return nil, fmt.Errorf("inclusion proof: %w", err)
	}
	signers := make([]string, len(n.Sigs))
	for i, s := range n.Sigs {
		signers[i] = s.Name
	}
	return &result{OK: true, Origin: origin, Size: size, LogIndex: r.LogIndex, Signers: signers}, nil
}
