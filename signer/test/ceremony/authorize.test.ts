import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CeremonyTranscript,
  certificateSha256,
  ensureDevPki,
  newTranscript,
  signerTlsName,
  transcriptBytes,
  transcriptDigest,
} from '@frostmint/core';
import type { DkgBeginRequest } from '@frostmint/proto';
import { testGuardian } from '@frostmint/test-support/guardian';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeCeremony, type CeremonyContext } from '../../src/ceremony/authorize.ts';

const guardians = ['Alice', 'Bob', 'Carol'].map(testGuardian);
const guardianSet = { approvals: 2, guardians: guardians.map((g) => g.key) };

describe('a signer authorizes a key ceremony itself', () => {
  let dir: string;
  let certs: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-authorize-'));
    const pki = await ensureDevPki(dir, 3);
    certs = await Promise.all(pki.signers.map((s) => readFile(s.cert, 'utf8')));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const transcript = (
    over: Partial<Parameters<typeof newTranscript>[0]> = {},
    validForMs?: number,
  ) =>
    newTranscript(
      {
        kind: 'dkg',
        threshold: 2,
        maxSigners: 3,
        ceremonyApprovals: 2,
        signers: certs.map((pem, i) => ({
          id: i + 1,
          tlsName: signerTlsName(i + 1),
          certificateSha256: certificateSha256(pem),
        })),
        guardians: guardianSet.guardians,
        ...over,
      },
      validForMs === undefined ? {} : { validForMs },
    );

  const request = (t: CeremonyTranscript, approvers: number[]): DkgBeginRequest => ({
    params: { sessionId: transcriptDigest(t), threshold: t.threshold, participants: [1, 2, 3] },
    authorization: {
      transcript: transcriptBytes(t),
      approvals: approvers.map((n) => {
        const a = guardians[n]!.approve(t);
        return { guardianKid: a.guardianKid, signature: Buffer.from(a.signature) };
      }),
    },
    groupConfig: Buffer.alloc(0),
  });

  const ctx = (over: Partial<CeremonyContext> = {}): CeremonyContext => ({
    signerId: 1,
    certificatePem: certs[0]!,
    guardians: guardianSet,
    group: undefined,
    now: new Date(),
    ...over,
  });

  const refusal = (req: DkgBeginRequest, context = ctx()) =>
    authorizeCeremony(req, context).then(
      () => 'accepted',
      (err: { code: string }) => err.code,
    );

  it('accepts two approvals by configured guardians over a transcript that pins its certificate', async () => {
    const t = transcript();
    const ok = await authorizeCeremony(request(t, [0, 1]), ctx());
    expect(ok).toMatchObject({ role: 'dealer', approvedBy: ['Alice', 'Bob'] });
  });

  it('refuses what a hostile coordinator might try', async () => {
    const t = transcript();
    const good = request(t, [0, 2]);
    const other = transcript();
    expect(await refusal({ ...good, authorization: undefined })).toBe('ceremony_unauthorized');
    expect(
      await refusal({ ...good, params: { ...good.params!, sessionId: transcriptDigest(other) } }),
    ).toBe('ceremony_transcript_mismatch');
    expect(await refusal({ ...good, params: { ...good.params!, threshold: 3 } })).toBe(
      'ceremony_transcript_mismatch',
    );
    expect(await refusal(good, ctx({ signerId: 2 }))).toBe('ceremony_transcript_mismatch'); // pins signer 2's cert, not this one
    expect(
      await refusal(request(transcript({}, 1), [0, 1]), ctx({ now: new Date(Date.now() + 10) })),
    ).toBe('ceremony_transcript_mismatch');
    const strangers = [testGuardian('Mallory').key, ...guardianSet.guardians.slice(1)];
    expect(await refusal(request(transcript({ guardians: strangers }), [1, 2]))).toBe(
      'ceremony_transcript_mismatch',
    );
    expect(await refusal(request(t, [0]))).toBe('ceremony_approvals_insufficient');
  });

  it('refuses any ceremony without configured guardians, and runs an unguarded one only in dev mode', async () => {
    const t = transcript({ guardians: [], ceremonyApprovals: 0 });
    expect(await refusal(request(t, []), ctx({ guardians: undefined }))).toBe('ceremony_unguarded');
    const dev = await authorizeCeremony(request(t, []), ctx({ guardians: 'dev-unguarded' }));
    expect(dev.approvedBy).toEqual([]);
  });
});
