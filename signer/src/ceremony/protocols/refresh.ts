import {
  decodeRefreshRound1,
  encodeRefreshRound1,
  type GroupPublicKey,
  type RefreshRound1Package,
  refreshAbort,
  refreshPart1,
  refreshPart2,
  refreshPart3,
} from '@frostmint/core';
import { type CeremonyProtocol, notThisStep, type WithShare } from '../protocol.ts';

/**
 * Proactive share refresh (zero-constant polynomials, see core/src/frost/refresh.ts).
 *
 * @example
 * ```ts
 * const protocol = refreshProtocol(1, currentGroup, withCurrentShare);
 * ```
 */
export function refreshProtocol(
  id: number,
  group: GroupPublicKey,
  withShare: WithShare,
): CeremonyProtocol {
  const { state, broadcast } = refreshPart1(id, group);
  let others: RefreshRound1Package[] = [];
  return {
    round1: () => encodeRefreshRound1(broadcast),
    async exchange(round1) {
      others = [...round1.values()].map(decodeRefreshRound1);
      return refreshPart2(state, [...round1.keys()]);
    },
    relay: () => Promise.reject(notThisStep('relay', 'refresh participant')),
    finish: (received) => withShare((share) => refreshPart3(state, share, group, others, received)),
    wipe: () => refreshAbort(state),
  };
}
