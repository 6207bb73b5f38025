package frostmint

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultReplayCacheCapacity bounds the default in-memory DPoP replay cache: proofs live
// about DPoPMaxAge + ClockTolerance (90 s by default), so this covers ~1,100 proofs/s.
const DefaultReplayCacheCapacity = 100_000

// ErrReplayCacheFull: every entry is still live, so a new proof cannot be recorded (and is
// refused: single use cannot be proven).
var ErrReplayCacheFull = errors.New("frostmint: DPoP replay cache is full")

// ReplayCache remembers the DPoP proofs already used (RFC 9449 §11.1). Implementations must
// be safe for concurrent use; one shared by several instances (e.g. Redis `SET key 1 NX
// PXAT expires`) makes single use hold across a fleet.
type ReplayCache interface {
	// Use records key until expires and reports whether it was unseen, atomically. An
	// error refuses the proof.
	Use(ctx context.Context, key string, expires time.Time) (fresh bool, err error)
}

// MemoryReplayCache is the default ReplayCache: in process, at most capacity live entries,
// each dropped once expired. When full of live entries it refuses new proofs (fail closed)
// rather than forget one that could then be replayed.
type MemoryReplayCache struct {
	mu       sync.Mutex
	seen     map[string]time.Time
	expiries expiryHeap
	capacity int
	now      func() time.Time
}

// NewMemoryReplayCache returns an empty cache of the given capacity (≤ 0: the default) on
// the clock now (nil: time.Now).
//
// Example:
//
//	cache := frostmint.NewMemoryReplayCache(10_000, nil)
//	v, err := frostmint.NewVerifier(frostmint.Options{..., ReplayCache: cache})
func NewMemoryReplayCache(capacity int, now func() time.Time) *MemoryReplayCache {
	if capacity <= 0 {
		capacity = DefaultReplayCacheCapacity
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{seen: map[string]time.Time{}, capacity: capacity, now: now}
}

// Use implements ReplayCache.
func (m *MemoryReplayCache) Use(_ context.Context, key string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.dropExpired(now)
	if _, seen := m.seen[key]; seen {
		return false, nil
	}
	if len(m.seen) >= m.capacity {
		return false, ErrReplayCacheFull
	}
	m.seen[key] = expires
	heap.Push(&m.expiries, expiryEntry{key: key, expires: expires})
	return true, nil
}

// Len is the number of live entries.
//
// Example:
//
//	metrics.Gauge("dpop_replay_entries").Set(float64(cache.Len()))
func (m *MemoryReplayCache) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropExpired(m.now())
	return len(m.seen)
}

func (m *MemoryReplayCache) dropExpired(now time.Time) {
	for len(m.expiries) > 0 && !m.expiries[0].expires.After(now) {
		entry := heap.Pop(&m.expiries).(expiryEntry)
		delete(m.seen, entry.key)
	}
}

type expiryEntry struct {
	key     string
	expires time.Time
}

// expiryHeap is a min-heap of entries by expiry (container/heap).
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]
	return last
}
