import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenError,
  type SigningCommitment,
  type SigningNonces,
  UnavailableError,
} from '@frostmint/core';

/** Outstanding nonces at most: a flood of round-one requests cannot exhaust memory. */
export const MAX_OUTSTANDING_NONCES = 10_000;

interface Entry {
  nonces: SigningNonces;
  expiresAt: number;
  /** The commitment a preprocessed entry was issued with (its key is its id). */
  commitment?: SigningCommitment;
}

/**
 * Round-one nonces, in memory only (never persisted: a restarted signer simply has none).
 * Each is handed out at most once and forgotten after `ttlMs`; every discarded nonce is
 * zeroed. Two kinds share one capacity:
 * - round one run now (`Commit`): keyed by the public commitment (`put` / `take`);
 * - preprocessed (RFC 9591 §5.1 ahead of time): `issue` names each with an id
 *   `<epoch>.<sequence>`, where the epoch is random per process (and per `newEpoch`), so an
 *   id says whether this process issued it, and `takeIssued` tells a foreign id
 *   (`commitment_unknown`) from a used or expired one (`commitment_spent`).
 *
 * @example
 * ```ts
 * store.put(commitment, nonces);
 * const nonces = store.take(commitment); // undefined on the second call
 * const id = store.issue(commitment, nonces);
 * store.takeIssued(id, commitment); // throws commitment_spent on the second call
 * ```
 */
export class NonceStore {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onForget: ((id: string) => void) | undefined;
  #epoch = newEpochId();
  #sequence = 0;

  constructor(
    ttlMs: number,
    private readonly now: () => number = Date.now,
    /** Told of every preprocessed id that leaves the store (used, expired or wiped). */
    onForget?: (id: string) => void,
  ) {
    this.#ttlMs = ttlMs;
    this.#onForget = onForget;
    this.#timer = setInterval(() => this.sweep(), Math.min(ttlMs, 5_000));
    this.#timer.unref();
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Keeps `nonces` for `commitment`; throws `nonce_capacity` when too many are outstanding. */
  put(commitment: SigningCommitment, nonces: SigningNonces): void {
    this.#reserve(nonces);
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

  /**
   * Keeps preprocessed `nonces` and returns the id they are issued under; throws
   * `nonce_capacity` when too many are outstanding.
   */
  issue(commitment: SigningCommitment, nonces: SigningNonces): string {
    this.#reserve(nonces);
    const id = `${this.#epoch}.${++this.#sequence}`;
    this.#entries.set(id, { nonces, expiresAt: this.now() + this.#ttlMs, commitment });
    return id;
  }

  /**
   * Consumes the preprocessed nonces issued as `id`, atomically on first use whoever
   * presents it: `listed` must be the commitment they were issued with. Throws
   * `commitment_unknown` for an id this process (epoch) did not issue or a listed value
   * that differs (the entry is spent all the same), `commitment_spent` when used or expired.
   */
  takeIssued(id: string, listed: SigningCommitment): SigningNonces {
    const dot = id.lastIndexOf('.');
    const sequence = Number(id.slice(dot + 1));
    if (
      dot < 0 ||
      id.slice(0, dot) !== this.#epoch ||
      !Number.isSafeInteger(sequence) ||
      sequence < 1 ||
      sequence > this.#sequence
    ) {
      throw new ForbiddenError(
        'commitment_unknown',
        'this signer did not issue this commitment id (foreign, or issued before it restarted)',
      );
    }
    const entry = this.#entries.get(id);
    if (entry) this.#forget(id);
    if (!entry?.commitment || entry.expiresAt < this.now()) {
      if (entry) wipe(entry.nonces);
      throw new ForbiddenError('commitment_spent', 'this commitment was already used or expired');
    }
    if (!sameCommitment(entry.commitment, listed)) {
      wipe(entry.nonces);
      throw new ForbiddenError(
        'commitment_unknown',
        'the listed commitment is not the one issued under this id',
      );
    }
    return entry.nonces;
  }

  /**
   * Wipes every preprocessed entry and starts a new epoch: ids issued before are refused as
   * `commitment_unknown` from now on (the group key changed).
   */
  newEpoch(): void {
    for (const [key, entry] of this.#entries) {
      if (!entry.commitment) continue;
      wipe(entry.nonces);
      this.#forget(key);
    }
    this.#epoch = newEpochId();
    this.#sequence = 0;
  }

  /** Wipes preprocessed entries that are still outstanding (their stream ended). */
  discard(ids: Iterable<string>): void {
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (!entry?.commitment) continue;
      wipe(entry.nonces);
      this.#forget(id);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Room for this many more nonces before `nonce_capacity`. */
  get room(): number {
    return Math.max(0, MAX_OUTSTANDING_NONCES - this.#entries.size);
  }

  /** Forgets expired nonces. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt < now) {
        wipe(entry.nonces);
        if (entry.commitment) this.#forget(key);
        else this.#entries.delete(key);
      }
    }
  }

  close(): void {
    clearInterval(this.#timer);
    for (const entry of this.#entries.values()) wipe(entry.nonces);
    this.#entries.clear();
  }

  #reserve(nonces: SigningNonces): void {
    if (this.#entries.size >= MAX_OUTSTANDING_NONCES) this.sweep();
    if (this.#entries.size >= MAX_OUTSTANDING_NONCES) {
      wipe(nonces);
      throw new UnavailableError(
        'nonce_capacity',
        'too many round-one commitments outstanding; try again shortly',
      );
    }
  }

  #forget(id: string): void {
    this.#entries.delete(id);
    this.#onForget?.(id);
  }
}

function newEpochId(): string {
  return randomBytes(12).toString('base64url');
}

function keyOf(c: SigningCommitment): string {
  return Buffer.from(c.hiding).toString('hex') + Buffer.from(c.binding).toString('hex');
}

function sameCommitment(a: SigningCommitment, b: SigningCommitment): boolean {
  return (
    a.id === b.id &&
    a.hiding.length === b.hiding.length &&
    a.binding.length === b.binding.length &&
    timingSafeEqual(a.hiding, b.hiding) &&
    timingSafeEqual(a.binding, b.binding)
  );
}

function wipe(n: SigningNonces): void {
  n.hiding.fill(0);
  n.binding.fill(0);
}
