import { timingSafeEqual } from 'node:crypto';
import {
  type CeremonyTranscript,
  ConflictError,
  certificateSha256,
  checkApprovals,
  ForbiddenError,
  type GroupConfig,
  type GroupConfigV2,
  type GuardianSet,
  parseGroupConfig,
  parseTranscript,
  transcriptDigest,
} from '@frostmint/core';
import type { DkgBeginRequest, DkgParams } from '@frostmint/proto';
import { DEV_UNGUARDED, type SignerGuardians } from './guardians-config.ts';

/** How this signer takes part in a ceremony. */
export type CeremonyRole = 'dealer' | 'helper' | 'replacement';

/** A ceremony this signer has checked and agreed to run. */
export interface AuthorizedCeremony {
  readonly transcript: CeremonyTranscript;
  readonly digest: Buffer;
  readonly role: CeremonyRole;
  /** The group acted on (refresh, replace-signer); its signature has been checked. */
  readonly group: GroupConfigV2 | undefined;
  /** Names of the guardians whose approvals verified; empty for an unguarded dev DKG. */
  readonly approvedBy: string[];
}

export interface CeremonyContext {
  readonly signerId: number;
  /** This signer's TLS certificate (PEM); the transcript must pin its fingerprint. */
  readonly certificatePem: string;
  /** The `guardians` member of this signer's configuration. */
  readonly guardians: SignerGuardians | undefined;
  /** The group configuration this signer holds, if any. */
  readonly group: GroupConfig | undefined;
  readonly now: Date;
}

/** Clock skew tolerated on a transcript's `createdAt`. */
const SKEW_MS = 5 * 60_000;

/**
 * Everything a signer checks before it takes part in a key ceremony, with the coordinator
 * treated as hostile: the transcript parses, is current and hashes to the session id; its
 * parameters are the request's; it pins this signer's own TLS certificate; it acts on the
 * group this signer holds (or, for DKG, this signer holds none); and enough distinct
 * guardians approved this exact transcript — guardians from the signed group configuration,
 * or from this signer's configuration before it has one.
 *
 * @example
 * ```ts
 * const ceremony = await authorizeCeremony(req, { signerId, certificatePem, guardians, group, now });
 * ```
 */
export async function authorizeCeremony(
  req: DkgBeginRequest,
  ctx: CeremonyContext,
): Promise<AuthorizedCeremony> {
  if (!req.authorization || !req.params) {
    throw new ForbiddenError(
      'ceremony_unauthorized',
      'a key ceremony needs its transcript and the guardians’ approvals',
    );
  }
  const transcript = parseTranscript(req.authorization.transcript);
  const digest = transcriptDigest(transcript);
  checkTranscript(transcript, digest, req.params, ctx);
  const role = roleOf(transcript, ctx.signerId);
  const group = await actedOnGroup(transcript, role, req, ctx);
  const trusted = trustedGuardians(transcript, group, ctx);
  const approvedBy =
    trusted === DEV_UNGUARDED
      ? []
      : checkApprovals(transcript, req.authorization.approvals, trusted);
  return { transcript, digest, role, group, approvedBy };
}

function checkTranscript(
  t: CeremonyTranscript,
  digest: Buffer,
  params: DkgParams,
  ctx: CeremonyContext,
): void {
  const ids = t.signers.map((s) => s.id);
  const session = Buffer.from(params.sessionId);
  if (session.length !== digest.length || !timingSafeEqual(session, digest))
    throw mismatch('the session id is not the digest of this transcript');
  if (params.threshold !== t.threshold || params.participants.join(',') !== ids.join(','))
    throw mismatch('threshold or participants differ from the transcript');
  const now = ctx.now.getTime();
  if (now > Date.parse(t.notAfter)) throw mismatch(`the transcript expired at ${t.notAfter}`);
  if (now + SKEW_MS < Date.parse(t.createdAt)) throw mismatch('the transcript is from the future');
  const me = t.signers.find((s) => s.id === ctx.signerId);
  if (!me) throw mismatch(`signer ${ctx.signerId} is not a participant`);
  if (me.certificateSha256 !== certificateSha256(ctx.certificatePem))
    throw mismatch(`the transcript pins another TLS certificate for signer ${ctx.signerId}`);
}

function roleOf(t: CeremonyTranscript, id: number): CeremonyRole {
  if (t.kind !== 'replace-signer') return 'dealer';
  return t.lost === id ? 'replacement' : 'helper';
}

async function actedOnGroup(
  t: CeremonyTranscript,
  role: CeremonyRole,
  req: DkgBeginRequest,
  ctx: CeremonyContext,
): Promise<GroupConfigV2 | undefined> {
  if (t.kind === 'dkg') {
    if (ctx.group)
      throw new ConflictError('dkg_group_exists', 'this signer already holds a group key');
    return undefined;
  }
  let group: GroupConfig | undefined = ctx.group;
  if (role === 'replacement') {
    if (ctx.group)
      throw new ConflictError('dkg_group_exists', 'the replacement signer must start empty');
    if (req.groupConfig.length === 0)
      throw mismatch('the replacement needs the signed group configuration');
    group = await parseGroupConfig(
      JSON.parse(Buffer.from(req.groupConfig).toString('utf8')),
      'the handed group configuration',
    );
  }
  if (!group) throw mismatch('this signer holds no group to act on');
  if (group.version !== 2)
    throw mismatch('the group configuration is unsigned (version 1): re-run DKG');
  const named = t.group!;
  if (named.kid !== group.kid || named.groupKey !== group.groupKey || named.epoch !== group.epoch)
    throw mismatch(
      `the transcript acts on ${named.kid} epoch ${named.epoch}, not on the group here`,
    );
  if (
    t.threshold !== group.threshold ||
    t.maxSigners !== group.maxSigners ||
    t.ceremonyApprovals !== group.guardians.approvals ||
    !sameGuardians(t.guardians, group.guardians.keys)
  ) {
    throw mismatch('threshold, guardians or approvals differ from the group configuration');
  }
  return group;
}

function trustedGuardians(
  t: CeremonyTranscript,
  group: GroupConfigV2 | undefined,
  ctx: CeremonyContext,
): GuardianSet | typeof DEV_UNGUARDED {
  const configured = ctx.guardians;
  if (group && !(t.kind === 'replace-signer' && t.lost === ctx.signerId)) {
    if (group.guardians.approvals === 0) return devOnly(configured);
    return { approvals: group.guardians.approvals, guardians: group.guardians.keys };
  }
  if (configured === DEV_UNGUARDED) return DEV_UNGUARDED;
  if (!configured) {
    throw new ForbiddenError(
      'ceremony_unguarded',
      'this signer has no guardians configured: set `guardians` in its configuration',
    );
  }
  if (
    !sameGuardians(t.guardians, configured.guardians) ||
    t.ceremonyApprovals !== configured.approvals
  ) {
    throw mismatch(
      'the transcript names other guardians or approvals than this signer’s configuration',
    );
  }
  return configured;
}

function devOnly(configured: SignerGuardians | undefined): typeof DEV_UNGUARDED {
  if (configured !== DEV_UNGUARDED)
    throw new ForbiddenError('ceremony_unguarded', 'the group has no guardians (dev group)');
  return DEV_UNGUARDED;
}

function sameGuardians(
  a: readonly { approvalKey: { kid: string } }[],
  b: readonly { approvalKey: { kid: string } }[],
): boolean {
  const kids = (list: typeof a) =>
    list
      .map((g) => g.approvalKey.kid)
      .sort()
      .join(',');
  return kids(a) === kids(b);
}

function mismatch(why: string): ForbiddenError {
  return new ForbiddenError('ceremony_transcript_mismatch', why);
}
