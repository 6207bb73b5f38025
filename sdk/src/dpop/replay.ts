/**
 * Where DPoP proof identifiers are remembered so each proof is accepted once (RFC 9449 §11.1).
 * `remember` records `key` until `expiresAtSec` (unix seconds) and answers `true` when it was
 * not already recorded, `false` when it was (a replay). A store shared by several instances
 * (Redis `SET key 1 NX EXAT expiresAtSec`, a database unique key) makes the check global.
 */
export interface DpopReplayStore {
  remember(key: string, expiresAtSec: number): boolean | Promise<boolean>;
}

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most live entries kept; when that many are live, new proofs are refused. Default 100 000. */
  maxEntries?: number;
  /** Current time in ms since the epoch. Default `Date.now`. */
  clock?: () => number;
}

/**
 * The default {@link DpopReplayStore}: one process's memory, bounded. Expired entries are
 * dropped as they are met; when it is full of live entries it refuses new proofs (fail
 * closed, as the Go and Python verifiers do): forgetting a live entry would let that proof
 * be replayed. Size it above the number of proofs one instance accepts within
 * `maxAge + clockTolerance`; only holders of valid tokens can add entries.
 *
 * @example
 * ```ts
 * const replayStore = new MemoryReplayStore({ maxEntries: 10_000 });
 * replayStore.remember('jkt:jti', Math.floor(Date.now() / 1000) + 90); // true, then false
 * ```
 */
export class MemoryReplayStore implements DpopReplayStore {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #clock: () => number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const { maxEntries = 100_000, clock = Date.now } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  /** Number of entries held (expired ones included until met). */
  get size(): number {
    return this.#entries.size;
  }

  remember(key: string, expiresAtSec: number): boolean {
    const now = this.#clock() / 1000;
    const seen = this.#entries.get(key);
    if (seen !== undefined && seen > now) return false;
    this.#entries.delete(key);
    this.#dropExpired(now, this.#entries.size >= this.#maxEntries ? Infinity : 8);
    if (this.#entries.size >= this.#maxEntries) return false;
    this.#entries.set(key, expiresAtSec);
    return true;
  }

  /** Drops expired entries from the oldest end, `budget` at most (amortised O(1) when 8). */
  #dropExpired(now: number, budget: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (budget-- === 0 || expiresAt > now) return;
      this.#entries.delete(key);
    }
  }
}
