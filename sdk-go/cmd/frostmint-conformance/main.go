// Command frostmint-conformance runs the Go verifier over a cross-language conformance case
// file (written by test/conformance in the frostmint repository) and prints one JSON result
// per case: {"name": ..., "code": ""} for a valid token, else the error code.
//
//	frostmint-conformance cases.json > go-results.json
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	frostmint "github.com/frostmint/frostmint/sdk-go"
)

type caseFile struct {
	Version int `json:"version"`
	Cases   []struct {
		Name    string          `json:"name"`
		Token   string          `json:"token"`
		JWKS    json.RawMessage `json:"jwks"`
		Options struct {
			Issuer           string    `json:"issuer"`
			Audience         []string  `json:"audience"`
			Now              int64     `json:"now"`
			ClockTolerance   *int64    `json:"clockTolerance"`
			MaxTokenAge      *int64    `json:"maxTokenAge"`
			MaxTokenLifetime *int64    `json:"maxTokenLifetime"`
			RequiredScopes   []string  `json:"requiredScopes"`
			DPoP             *dpopCase `json:"dpop"`
		} `json:"options"`
		Expect string `json:"expect"`
	} `json:"cases"`
}

// dpopCase is a request's DPoP input; PresentTwice: verify the same token and proof twice
// on one verifier and report the second outcome (a replay).
type dpopCase struct {
	Proof        string `json:"proof"`
	HTM          string `json:"htm"`
	HTU          string `json:"htu"`
	PresentTwice bool   `json:"presentTwice"`
}

type result struct {
	Name    string `json:"name"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: frostmint-conformance CASES.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var file caseFile
	// An option this runner does not know (e.g. a DPoP proof) must fail the run, not be ignored.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	results := make([]result, 0, len(file.Cases))
	for _, c := range file.Cases {
		o := c.Options
		if o.ClockTolerance != nil && *o.ClockTolerance == 0 {
			// Options treats a zero duration as "default"; no case may depend on that difference.
			results = append(results, result{Name: c.Name, Code: "unexpected", Message: "clockTolerance 0 is not expressible"})
			continue
		}
		now := time.Unix(o.Now, 0)
		v, err := frostmint.NewVerifier(frostmint.Options{
			Issuer:           o.Issuer,
			Audience:         o.Audience,
			JWKS:             c.JWKS,
			ClockTolerance:   seconds(o.ClockTolerance),
			MaxTokenAge:      seconds(o.MaxTokenAge),
			MaxTokenLifetime: seconds(o.MaxTokenLifetime),
			Now:              func() time.Time { return now },
		})
		if err == nil {
			err = verify(v, c.Token, o.RequiredScopes, o.DPoP)
		}
		results = append(results, outcome(c.Name, err))
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(results); err != nil {
		os.Exit(1)
	}
}

func verify(v *frostmint.Verifier, token string, scopes []string, dpop *dpopCase) error {
	opts := frostmint.VerifyOptions{RequiredScopes: scopes}
	presentations := 1
	if dpop != nil {
		opts.DPoP = &frostmint.DPoPInput{Proof: dpop.Proof, HTM: dpop.HTM, HTU: dpop.HTU}
		if dpop.PresentTwice {
			presentations = 2
		}
	}
	for i := 0; i < presentations; i++ {
		if _, err := v.VerifyWith(context.Background(), token, opts); err != nil {
			return err
		}
	}
	return nil
}

func outcome(name string, err error) result {
	if err == nil {
		return result{Name: name}
	}
	var verr *frostmint.Error
	if errors.As(err, &verr) {
		return result{Name: name, Code: string(verr.Code), Message: verr.Message}
	}
	return result{Name: name, Code: "unexpected", Message: err.Error()}
}

func seconds(s *int64) time.Duration {
	if s == nil {
		return 0
	}
	return time.Duration(*s) * time.Second
}
