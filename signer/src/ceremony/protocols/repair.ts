import {
  type DkgRound2Package,
  type GroupPublicKey,
  repairStep1,
  repairStep2,
  repairStep3,
} from '@frostmint/core';
import { type CeremonyProtocol, notThisStep, type WithShare } from '../protocol.ts';

/**
 * A helper's side of share repair (see core/src/frost/repair.ts): its share is unchanged.
 *
 * @example
 * ```ts
 * const protocol = repairHelperProtocol(1, [1, 3], 2, group, withCurrentShare);
 * ```
 */
export function repairHelperProtocol(
  id: number,
  helpers: readonly number[],
  lost: number,
  group: GroupPublicKey,
  withShare: WithShare,
): CeremonyProtocol {
  let own: DkgRound2Package | undefined;
  return {
    round1: () => new Uint8Array(0),
    async exchange() {
      const parts = await withShare((share) => repairStep1(helpers, lost, share));
      own = parts.find((p) => p.to === id);
      return parts.filter((p) => p.to !== id);
    },
    async relay(received) {
      if (!own) throw notThisStep('relay before exchange', 'repair helper');
      return [repairStep2(helpers, id, lost, [own, ...received])];
    },
    finish: async () => ({ group }),
    wipe: () => own?.signingShare.fill(0),
  };
}

/**
 * The replacement signer's side of share repair: it rebuilds its share from the helpers'
 * sums and checks it against the group's verifying share for its id.
 *
 * @example
 * ```ts
 * const protocol = repairReplacementProtocol([1, 3], 2, handedGroup);
 * ```
 */
export function repairReplacementProtocol(
  helpers: readonly number[],
  lost: number,
  group: GroupPublicKey,
): CeremonyProtocol {
  return {
    round1: () => new Uint8Array(0),
    exchange: () => Promise.reject(notThisStep('exchange', 'replacement signer')),
    relay: () => Promise.reject(notThisStep('relay', 'replacement signer')),
    async finish(received) {
      const share = repairStep3(helpers, lost, received, group.verifyingShares.get(lost)!);
      return { share, group };
    },
    wipe: () => {},
  };
}
