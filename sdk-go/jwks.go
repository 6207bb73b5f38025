package frostmint

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// MaxJWKSBytes caps a JWKS body; reading stops there (real ones are a few hundred bytes).
const MaxJWKSBytes = 256 * 1024

// JWKSFetchOptions tune how a JWKSURL is fetched and cached; zero values take the defaults.
type JWKSFetchOptions struct {
	Client          *http.Client  // default: http.Client with Timeout and no redirects
	Timeout         time.Duration // one fetch; default 5 s
	RefreshInterval time.Duration // refetch when the cache is this old; default 5 min
	Cooldown        time.Duration // minimum time between fetches (unknown kids); default 30 s
	MaxStaleness    time.Duration // keep verifying from cache this long after the last success; default 24 h
}

// remoteKeys is the issuer's JWKS cached in memory, out of the request path: once
// RefreshInterval has passed, a verification uses the cache and starts a background refresh;
// it waits for a fetch only when there is no usable cache, or for an unknown kid (fetches
// never start closer than Cooldown apart, and concurrent callers share one). A failed refresh
// keeps the cached keys (results say Stale) until MaxStaleness after the last success; beyond
// it verification fails closed with CodeJWKSStale.
type remoteKeys struct {
	url  *url.URL
	opts JWKSFetchOptions
	now  func() time.Time

	fetching sync.Mutex     // one fetch at a time
	inflight sync.WaitGroup // background refreshes (tests wait on it)

	mu        sync.Mutex // guards the fields below; never held during a fetch
	keys      KeyMap
	fetchedAt time.Time
	attempted time.Time
	lastErr   *Error
}

func newRemoteKeys(u *url.URL, o JWKSFetchOptions, now func() time.Time) (*remoteKeys, error) {
	o.Timeout = orDefault(o.Timeout, 5*time.Second)
	o.RefreshInterval = orDefault(o.RefreshInterval, 5*time.Minute)
	o.Cooldown = orDefault(o.Cooldown, 30*time.Second)
	o.MaxStaleness = orDefault(o.MaxStaleness, 24*time.Hour)
	if o.MaxStaleness < o.RefreshInterval {
		return nil, errors.New("frostmint: MaxStaleness must be at least RefreshInterval")
	}
	if o.Client == nil {
		o.Client = &http.Client{
			Timeout: o.Timeout,
			// A redirect could downgrade to plain HTTP: refuse it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &remoteKeys{url: u, opts: o, now: now}, nil
}

func (r *remoteKeys) key(ctx context.Context, kid string) (ed25519.PublicKey, bool, error) {
	r.mu.Lock()
	age, cached := r.now().Sub(r.fetchedAt), r.keys != nil
	r.mu.Unlock()
	switch {
	case !cached || age > r.opts.MaxStaleness:
		r.refresh(ctx)
	case age >= r.opts.RefreshInterval:
		r.inflight.Add(1)
		go func() {
			defer r.inflight.Done()
			r.refresh(context.Background())
		}()
	}
	key, stale, err := r.lookup(kid)
	if err == nil && key == nil {
		r.refresh(ctx)
		key, stale, err = r.lookup(kid)
	}
	if err == nil && key == nil {
		err = unknownKid()
	}
	return key, stale, err
}

// lookup returns the cached key for kid (nil when absent), unless the cache is unusable.
func (r *remoteKeys) lookup(kid string) (ed25519.PublicKey, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reason := "no fetch yet"
	if r.lastErr != nil {
		reason = r.lastErr.Message
	}
	if r.keys == nil {
		return nil, false, fail(CodeJWKSUnavailable, "no JWKS from %s: %s", r.url, reason)
	}
	if age := r.now().Sub(r.fetchedAt); age > r.opts.MaxStaleness {
		return nil, false, fail(CodeJWKSStale, "cached JWKS is %s old, beyond MaxStaleness: %s", age.Round(time.Second), reason)
	}
	return r.keys[kid], r.lastErr != nil, nil
}

// refresh fetches once unless a fetch began within Cooldown; callers arriving during a fetch
// wait for it and then find the cooldown running. The outcome is recorded.
func (r *remoteKeys) refresh(ctx context.Context) {
	r.fetching.Lock()
	defer r.fetching.Unlock()
	r.mu.Lock()
	now := r.now()
	if !r.attempted.IsZero() && now.Sub(r.attempted) < r.opts.Cooldown {
		r.mu.Unlock()
		return
	}
	r.attempted = now
	r.mu.Unlock()
	keys, err := r.fetch(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.lastErr = err
		return
	}
	r.keys, r.fetchedAt, r.lastErr = keys, r.now(), nil
}

func (r *remoteKeys) fetch(ctx context.Context) (KeyMap, *Error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url.String(), nil)
	if err != nil {
		return nil, fail(CodeJWKSUnavailable, "GET %s: %v", r.url, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.opts.Client.Do(req)
	if err != nil {
		return nil, fail(CodeJWKSUnavailable, "GET %s failed: %v", r.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fail(CodeJWKSUnavailable, "GET %s answered %d", r.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return nil, fail(CodeJWKSUnavailable, "GET %s failed: %v", r.url, err)
	}
	if len(body) > MaxJWKSBytes {
		return nil, fail(CodeJWKSInvalid, "the JWKS at %s exceeds %d bytes", r.url, MaxJWKSBytes)
	}
	keys, err := ParseJWKS(body)
	if err != nil {
		var verr *Error
		errors.As(err, &verr)
		return nil, fail(CodeJWKSInvalid, "JWKS from %s rejected: %s", r.url, verr.Message)
	}
	return keys, nil
}
