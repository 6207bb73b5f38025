import { ForbiddenError, UnavailableError } from '@frostmint/core';

/** Remembered evidence at most: a flood cannot exhaust memory (it fails closed instead). */
export const MAX_REMEMBERED_EVIDENCE = 100_000;

/**
 * The evidence this signer has already signed for (WebAuthn challenges, enrollment
 * certificate ids), each remembered until it could no longer be used anyway. With 2-of-3
 * every two quorums share a signer, so a replay routed to another pair is still refused by
 * the common one. In memory: after a restart, the token `iat` window (a few minutes) bounds
 * what could be replayed, and the coordinator's single-use challenges still apply.
 *
 * @example
 * ```ts
 * const window = new ReplayWindow(Date.now);
 * window.rememberOnce(`webauthn:${challenge}`, claims.exp * 1000); // throws on the second call
 * ```
 */
export class ReplayWindow {
  readonly #entries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Remembers `key` until `expiresAtMs`; throws `evidence_replayed` when it is remembered
   * already, `replay_window_full` when the window is full even after dropping expired keys.
   */
  rememberOnce(key: string, expiresAtMs: number): void {
    const now = this.now();
    const seen = this.#entries.get(key);
    if (seen !== undefined && seen > now) {
      throw new ForbiddenError(
        'evidence_replayed',
        'this signer already signed for this evidence (a replayed challenge or certificate request)',
      );
    }
    if (this.#entries.size >= MAX_REMEMBERED_EVIDENCE) this.#sweep(now);
    if (this.#entries.size >= MAX_REMEMBERED_EVIDENCE) {
      throw new UnavailableError(
        'replay_window_full',
        'too many recent signatures; try again shortly',
      );
    }
    this.#entries.set(key, expiresAtMs);
  }

  /** Number of remembered keys (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    for (const [key, expiresAt] of this.#entries) if (expiresAt <= now) this.#entries.delete(key);
  }
}
