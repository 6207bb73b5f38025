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
  /** Most entries kept; beyond it the least recently inserted one is dropped. Default 100 000. */
  maxEntries?: number;
  /** Current time in ms since the epoch. Default `Date.now`. */
  clock?: () => number;
}

/**
 * The default {@link DpopReplayStore}: one process's memory, bounded. Expired entries are
 * dropped as they are met; when full, the oldest entry goes (LRU by insertion), so the bound
 * holds even under a flood. Size it above the number of proofs one instance accepts within
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
    this.#dropExpired(now);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, expiresAtSec);
    return true;
  }

  /** Drops expired entries from the oldest end, a few at a time (amortised O(1)). */
  #dropExpired(now: number): void {
    let budget = 8;
    for (const [key, expiresAt] of this.#entries) {
      if (budget-- === 0 || expiresAt > now) return;
      this.#entries.delete(key);
    }
  }
}
