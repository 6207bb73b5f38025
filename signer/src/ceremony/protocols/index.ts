import { groupPublicKeyOf } from '@frostmint/core';
import type { AuthorizedCeremony } from '../authorize.ts';
import type { CeremonyProtocol, WithShare } from '../protocol.ts';
import { dkgProtocol } from './dkg.ts';
import { refreshProtocol } from './refresh.ts';
import { repairHelperProtocol, repairReplacementProtocol } from './repair.ts';

/**
 * The protocol this signer runs for an authorized ceremony, by kind and role.
 *
 * @example
 * ```ts
 * const protocol = protocolFor(ceremony, config.id, withCurrentShare);
 * ```
 */
export function protocolFor(
  ceremony: AuthorizedCeremony,
  id: number,
  withShare: WithShare,
): CeremonyProtocol {
  const { transcript, group, role } = ceremony;
  if (transcript.kind === 'dkg') return dkgProtocol(id, transcript);
  const pub = groupPublicKeyOf(group!);
  if (transcript.kind === 'refresh') return refreshProtocol(id, pub, withShare);
  const lost = transcript.lost!;
  const helpers = transcript.signers.map((s) => s.id).filter((s) => s !== lost);
  return role === 'replacement'
    ? repairReplacementProtocol(helpers, lost, pub)
    : repairHelperProtocol(id, helpers, lost, pub, withShare);
}
