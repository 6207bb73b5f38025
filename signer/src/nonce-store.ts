import { type SigningCommitment, type SigningNonces, UnavailableError } from '@frostmint/core';

/** Outstanding nonces at most: a flood of round-one requests cannot exhaust memory. */
export const MAX_OUTSTANDING_NONCES = 10_000;

interface Entry {
  nonces: SigningNonces;
  expiresAt: number;
}

/**
 * Round-one nonces, in memory only (never persisted: a restarted signer simply has none).
 * Each is handed out at most once, keyed by its public commitment, and forgotten after
 * `ttlMs`. Every discarded nonce is zeroed.
 *
 * @example
 * ```ts
 * store.put(commitment, nonces);
 * const nonces = store.take(commitment); // undefined on the second call
 * ```
 */
export class NonceStore {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #timer: NodeJS.Timeout;

  constructor(
    ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#ttlMs = ttlMs;
    this.#timer = setInterval(() => this.sweep(), Math.min(ttlMs, 5_000));
    this.#timer.unref();
  }

  /** Keeps `nonces` for `commitment`; throws `nonce_capacity` when too many are outstanding. */
  put(commitment: SigningCommitment, nonces: SigningNonces): void {
    if (this.#entries.size >= MAX_OUTSTANDING_NONCES) this.sweep();
    if (this.#entries.size >= MAX_OUTSTANDING_NONCES) {
      wipe(nonces);
      throw new UnavailableError(
        'nonce_capacity',
        'too many round-one commitments outstanding; try again shortly',
      );
    }
    this.#entries.set(keyOf(commitment), { nonces, expiresAt: this.now() + this.#ttlMs });
  }

  /** Removes and returns the nonces for `commitment`; undefined if unknown, used or expired. */
  take(commitment: SigningCommitment): SigningNonces | undefined {
    const key = keyOf(commitment);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt < this.now()) {
      wipe(entry.nonces);
      return undefined;
    }
    return entry.nonces;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Forgets expired nonces. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt < now) {
        wipe(entry.nonces);
        this.#entries.delete(key);
      }
    }
  }

  close(): void {
    clearInterval(this.#timer);
    for (const entry of this.#entries.values()) wipe(entry.nonces);
    this.#entries.clear();
  }
}

function keyOf(c: SigningCommitment): string {
  return Buffer.from(c.hiding).toString('hex') + Buffer.from(c.binding).toString('hex');
}

function wipe(n: SigningNonces): void {
  n.hiding.fill(0);
  n.binding.fill(0);
}
