import {
  type ErrorCode,
  EvidenceRefusedError,
  ForbiddenError,
  UnavailableError,
} from '@frostmint/core';

interface Entry {
  readonly binding: string;
  readonly expiresAt: number;
}

/**
 * This signer's own memory of evidence it has signed for (OIDC ID tokens, approved mint
 * requests, WebAuthn challenges, enrollment certificate ids), kept until the evidence
 * expires. In memory: after a restart the token `iat` window bounds what could be replayed,
 * and the other signer of any pair still remembers. With t-of-n signers and 2t > n every two
 * quorums share a signer, so evidence replayed through any other pair still meets one
 * signer that remembers it — no shared database needed.
 *
 * An entry is bound to one mint (see `mintFingerprint`): the same evidence for the same
 * token is accepted again (the coordinator retries a round with another signer set), for
 * anything else it is refused. Bounded: expired entries are swept, and when `capacity` live
 * entries exist new evidence is refused (`replay_window_full`) rather than an entry
 * forgotten early, which would reopen a replay.
 *
 * @example
 * ```ts
 * const window = new ReplayWindow({ capacity: 100_000 });
 * window.remember(verified.replayKey, mintFingerprint(claims), verified.expiresAt, now);
 * ```
 */
export class ReplayWindow {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;

  constructor(options: { capacity: number }) {
    this.#capacity = options.capacity;
  }

  /** Live entries (for metrics and tests). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Remembers `key` for `binding` until `expiresAt` (unix seconds), or throws
   * `replayed` when it is remembered for another binding.
   */
  remember(
    key: string,
    binding: string,
    expiresAt: number,
    now: number,
    replayed: ErrorCode,
  ): void {
    if (this.check(key, binding, now, replayed)) this.#add(key, binding, expiresAt, now);
  }

  /**
   * Throws `replayed` when `key` is remembered for another binding; remembers nothing.
   * Returns true when `key` is not remembered at all (false: already for this binding).
   * Lets a signer refuse a replay early and record the evidence only once it signs.
   */
  check(key: string, binding: string, now: number, replayed: ErrorCode): boolean {
    const known = this.#entries.get(key);
    if (!known || known.expiresAt < now) return true;
    if (known.binding === binding) return false;
    throw new EvidenceRefusedError(replayed, 'this evidence was already used for another token');
  }

  /**
   * Remembers `key` until `expiresAt` (unix seconds); throws `evidence_replayed` while it is
   * remembered, whatever it was used for (a WebAuthn tap approves one signing, never two).
   */
  rememberOnce(key: string, expiresAt: number, now: number): void {
    const known = this.#entries.get(key);
    if (known && known.expiresAt >= now) {
      throw new ForbiddenError(
        'evidence_replayed',
        'this signer already signed for this evidence (a replayed challenge or certificate request)',
      );
    }
    this.#add(key, '', expiresAt, now);
  }

  #add(key: string, binding: string, expiresAt: number, now: number): void {
    if (this.#entries.size >= this.#capacity) this.#sweep(now);
    if (this.#entries.size >= this.#capacity) {
      throw new UnavailableError(
        'replay_window_full',
        `this signer remembers ${this.#capacity} unexpired pieces of evidence and takes no more until some expire`,
      );
    }
    this.#entries.set(key, { binding, expiresAt });
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt < now) this.#entries.delete(key);
    }
  }
}
