import type { GroupPublicKey } from '../frost/types.ts';
import { groupKeyFieldsOf, type UnsignedGroupConfigV2 } from '../group/config.ts';
import { type CeremonyTranscript, transcriptDigest } from './transcript.ts';

/**
 * The group configuration a ceremony produces, before the quorum signs it. Fully determined
 * by the transcript and the resulting public key material, so the coordinator and every
 * signer compute the same bytes independently: guardians and approvals from the transcript,
 * epoch 1 after DKG and the acted-on epoch + 1 afterwards, the transcript digest as id.
 *
 * @example
 * ```ts
 * const unsigned = ceremonyOutcome(transcript, group, kid);
 * const message = groupConfigSigningInput(unsigned);
 * ```
 */
export function ceremonyOutcome(
  transcript: CeremonyTranscript,
  group: GroupPublicKey,
  kid: string,
): UnsignedGroupConfigV2 {
  return {
    version: 2,
    ...groupKeyFieldsOf(group, kid),
    guardians: { approvals: transcript.ceremonyApprovals, keys: transcript.guardians },
    epoch: transcript.group ? transcript.group.epoch + 1 : 1,
    ceremony: {
      id: transcriptDigest(transcript).toString('base64url'),
      kind: transcript.kind,
      at: transcript.createdAt,
    },
  };
}
