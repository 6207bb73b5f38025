import {
  type DkgRound1Package,
  decodeDkgRound1,
  dkgAbort,
  dkgPart1,
  dkgPart2,
  dkgPart3,
  encodeDkgRound1,
  type ThresholdParams,
} from '@frostmint/core';
import { type CeremonyProtocol, notThisStep } from '../protocol.ts';

/**
 * Dealerless DKG (Pedersen VSS with proofs of knowledge, see core/src/frost/dkg.ts).
 *
 * @example
 * ```ts
 * const protocol = dkgProtocol(1, { threshold: 2, maxSigners: 3 });
 * ```
 */
export function dkgProtocol(id: number, params: ThresholdParams): CeremonyProtocol {
  let { state, broadcast } = dkgPart1(id, params);
  let others: DkgRound1Package[] = [];
  return {
    round1: () => encodeDkgRound1(broadcast),
    async exchange(round1) {
      others = [...round1.values()].map(decodeDkgRound1);
      const next = dkgPart2(state, others);
      state = next.state;
      return next.packages;
    },
    relay: () => Promise.reject(notThisStep('relay', 'DKG participant')),
    async finish(received) {
      return dkgPart3(state, others, received);
    },
    wipe: () => dkgAbort(state),
  };
}
