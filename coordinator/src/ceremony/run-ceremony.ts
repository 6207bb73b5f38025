import {
  type CeremonyTranscript,
  ceremonyOutcome,
  FrostmintError,
  type GroupConfigV2,
  type GuardianApproval,
  groupJwk,
  transcriptBytes,
  transcriptDigest,
  type UnsignedGroupConfigV2,
} from '@frostmint/core';
import type { DkgFinishResponse, DkgParams, SealedDkgPackage } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { SignerPool } from '../signing/signer-pool.ts';
import { signGroupConfig } from './group-signature.ts';

/** Ceremony steps do more work than a signing round; give them a longer deadline. */
const STEP_DEADLINE_MS = 30_000;
const COMMIT_ATTEMPTS = 3;

export interface CeremonyRun {
  readonly transcript: CeremonyTranscript;
  readonly approvals: readonly GuardianApproval[];
  /** replace-signer: the current signed group configuration, handed to the replacement. */
  readonly groupConfig?: GroupConfigV2;
  readonly log: Logger;
  /** Human progress, one line per step. */
  readonly progress?: (line: string) => void;
}

/**
 * Relays one key ceremony (DKG, refresh or replace-signer) among the signers the transcript
 * names, as the coordinator: it sees only signed public announcements and sealed packages.
 * Each signer checks the transcript and the guardians' approvals itself in `DkgBegin`.
 * Results stay pending at every signer until the quorum has signed the new group
 * configuration; only then is `DkgCommit` sent. Any failure before commit aborts the run at
 * every signer (and a signer that misses the abort wipes its run on timeout or restart),
 * so nothing is half-written.
 *
 * @example
 * ```ts
 * const signed = await runCeremony(pool, { transcript, approvals, log, progress: console.error });
 * ```
 */
export async function runCeremony(pool: SignerPool, run: CeremonyRun): Promise<GroupConfigV2> {
  const { transcript: t } = run;
  const say = run.progress ?? (() => {});
  const participants = t.signers.map((s) => s.id);
  const params: DkgParams = {
    sessionId: transcriptDigest(t),
    threshold: t.threshold,
    participants,
  };
  const lost = t.kind === 'replace-signer' ? t.lost : undefined;
  const dealers = participants.filter((id) => id !== lost);
  try {
    say(`Signers ${participants.join(', ')} check the transcript and the guardian approvals …`);
    const authorization = {
      transcript: transcriptBytes(t),
      approvals: run.approvals.map((a) => ({
        guardianKid: a.guardianKid,
        signature: Buffer.from(a.signature),
      })),
    };
    const handed = Buffer.from(run.groupConfig ? JSON.stringify(run.groupConfig) : '');
    const begun = await each(participants, (id) =>
      pool.call(
        id,
        'dkgBegin',
        { params, authorization, groupConfig: id === lost ? handed : Buffer.alloc(0) },
        STEP_DEADLINE_MS,
      ),
    );
    const announcements = [...begun.values()].map((b) => b.announcement!);
    say('Approved by every signer. Exchanging packages sealed end to end between signers …');
    const exchanged = await each(dealers, (id) =>
      pool.call(id, 'dkgExchange', { params, announcements }, STEP_DEADLINE_MS),
    );
    let packages = [...exchanged.values()].flatMap((e) => e.packages);
    if (lost !== undefined) {
      say(
        `Helpers ${dealers.join(', ')} relay their sealed sums to the replacement signer ${lost} …`,
      );
      const relayed = await each(dealers, (id) =>
        pool.call(
          id,
          'dkgRelay',
          { params, packages: addressedTo(packages, id) },
          STEP_DEADLINE_MS,
        ),
      );
      packages = [...relayed.values()].flatMap((r) => r.packages);
    }
    say('Signers derive their new shares (kept pending, nothing written yet) …');
    const finished = await each(participants, (id) =>
      pool.call(id, 'dkgFinish', { params, packages: addressedTo(packages, id) }, STEP_DEADLINE_MS),
    );
    const unsigned = await agreedOutcome(t, finished);
    say(
      `Signers sign the new group configuration (key ${unsigned.kid}, epoch ${unsigned.epoch}) …`,
    );
    const signed = await signGroupConfig(pool, unsigned, finished);
    say('Signature verified. Committing at every signer …');
    await commitAll(pool, participants, params, signed, run.log);
    return signed;
  } catch (err) {
    if (!(err instanceof FrostmintError && err.code === 'ceremony_commit_incomplete')) {
      say('Aborting the ceremony at every signer: nothing has been written.');
      await abortAll(pool, participants, params, (err as Error).message);
    }
    throw err;
  }
}

/** Runs `step` at every id; waits for all to settle, then fails with the first error. */
async function each<T>(ids: readonly number[], step: (id: number) => Promise<T>) {
  const settled = await Promise.allSettled(ids.map(step));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return new Map(ids.map((id, i) => [id, (settled[i] as PromiseFulfilledResult<T>).value]));
}

function addressedTo(packages: readonly SealedDkgPackage[], id: number): SealedDkgPackage[] {
  return packages.filter((p) => p.toSignerId === id);
}

/** Every signer must report the same key and verifying shares; the coordinator derives the kid itself. */
async function agreedOutcome(
  t: CeremonyTranscript,
  finished: ReadonlyMap<number, DkgFinishResponse>,
): Promise<UnsignedGroupConfigV2> {
  const fingerprint = (r: DkgFinishResponse) =>
    [
      r.kid,
      Buffer.from(r.groupPublicKey).toString('hex'),
      ...r.verifyingShares.map(
        (v) => `${v.signerId}:${Buffer.from(v.verifyingShare).toString('hex')}`,
      ),
    ].join('|');
  const results = [...finished.values()];
  const first = results[0]!;
  const { kid } = await groupJwk(first.groupPublicKey);
  if (kid !== first.kid || !results.every((r) => fingerprint(r) === fingerprint(first))) {
    throw new FrostmintError(
      'dkg_disagreement',
      'signers finished the ceremony with different group keys or verifying shares; the run is void',
    );
  }
  if (t.group && t.group.kid !== kid) {
    throw new FrostmintError('ceremony_group_changed', 'the ceremony changed the group key');
  }
  return ceremonyOutcome(
    t,
    {
      threshold: t.threshold,
      maxSigners: t.maxSigners,
      groupKey: first.groupPublicKey,
      verifyingShares: new Map(first.verifyingShares.map((v) => [v.signerId, v.verifyingShare])),
    },
    kid,
  );
}

/** Commits everywhere, retrying a failed commit; reports any signer left uncommitted. */
async function commitAll(
  pool: SignerPool,
  participants: readonly number[],
  params: DkgParams,
  signed: GroupConfigV2,
  log: Logger,
): Promise<void> {
  const groupConfig = Buffer.from(JSON.stringify(signed));
  const commitOne = async (id: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await pool.call(id, 'dkgCommit', { params, groupConfig }, STEP_DEADLINE_MS);
      } catch (err) {
        log.warn({ signer: id, attempt, err: (err as Error).message }, 'ceremony commit failed');
        if (attempt >= COMMIT_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };
  const settled = await Promise.allSettled(participants.map(commitOne));
  const missing = participants.filter((_, i) => settled[i]!.status === 'rejected');
  if (missing.length > 0) {
    throw new FrostmintError(
      'ceremony_commit_incomplete',
      `signer(s) ${missing.join(', ')} did not commit the signed group configuration ${signed.kid} ` +
        `epoch ${signed.epoch}; the others did. Bring them back with replace-signer (docs/operators/ceremonies.md).`,
    );
  }
}

async function abortAll(
  pool: SignerPool,
  participants: readonly number[],
  params: DkgParams,
  reason: string,
): Promise<void> {
  await Promise.allSettled(
    participants.map((id) => pool.call(id, 'dkgAbort', { params, reason: reason.slice(0, 200) })),
  );
}
