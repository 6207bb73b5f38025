import {
  type DkgRound2Package,
  type GroupPublicKey,
  InvalidRequestError,
  type KeyShare,
} from '@frostmint/core';

/** Runs `use` with this signer's current share (unsealed, zeroed afterwards). */
export type WithShare = <T>(
  use: (share: { id: number; signingShare: Uint8Array }) => T,
) => Promise<T>;

/** What a protocol ends with: the new share (when this signer's share changes) and group. */
export interface ProtocolResult {
  readonly share?: KeyShare;
  readonly group: GroupPublicKey;
}

/**
 * One signer's side of one kind of key ceremony (DKG, refresh, repair). The session around
 * it (`../dkg.ts`) authorizes, signs announcements, seals and opens every package and keeps
 * the result pending; a protocol only does the arithmetic on plaintext packages.
 */
export interface CeremonyProtocol {
  /** Public round-one bytes to announce (may be empty). */
  round1(): Uint8Array;
  /** Given every other participant's round-one bytes, the packages to send them. */
  exchange(others: ReadonlyMap<number, Uint8Array>): Promise<DkgRound2Package[]>;
  /** repair only: a helper turns the parts addressed to it into its sum for the replacement. */
  relay(received: readonly DkgRound2Package[]): Promise<DkgRound2Package[]>;
  /** Given the packages addressed here, the result. Nothing is written. */
  finish(received: readonly DkgRound2Package[]): Promise<ProtocolResult>;
  /** Best-effort erasure of secret state. */
  wipe(): void;
}

/**
 * The error for a ceremony step this participant does not take.
 *
 * @example
 * ```ts
 * relay: () => Promise.reject(notThisStep('relay', 'dkg')),
 * ```
 */
export function notThisStep(step: string, role: string): InvalidRequestError {
  return new InvalidRequestError('ceremony_step_invalid', `a ${role} takes no ${step} step`);
}
