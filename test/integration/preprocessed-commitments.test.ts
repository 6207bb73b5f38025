import { randomBytes } from 'node:crypto';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  CommitmentPool,
  type PooledCommitment,
  RoundDriver,
  SignBatcher,
  SignerPool,
  type SignerRefusal,
} from '@frostmint/coordinator';
import {
  type FrostGroup,
  groupPublicKeyOf,
  loadGroup,
  loadPolicyFiles,
  readGroupConfig,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import { SigningPurpose, type SignRequest } from '@frostmint/proto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, type RunningStack, startTestStack } from '../harness.ts';
import { FAULTY_SIGNER_ENTRY, nodeOptionsFor } from '../support/fixture-process.ts';
import { devTokenClaims } from '../support/rogue-sign.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 };
const log = pino({ level: 'silent' });

/** One coordinator replica in this process: its own connections, pool and driver. */
interface Replica {
  readonly pool: SignerPool;
  readonly commitments: CommitmentPool;
  readonly driver: RoundDriver;
  readonly refusals: SignerRefusal[];
  /** RPC names this replica's pool sent, in order (batching is seen here). */
  readonly sent: { signer: number; rpc: string; size: number }[];
}

/**
 * Preprocessed commitments (RFC 9591 §5.1 ahead of time) against real signer processes:
 * the coordinator of the dev stack mints with them, and two more coordinator replicas live
 * in this test process, each with its own connections and commitment supply, sharing the
 * same three signers.
 */
describe('preprocessed commitments: one round trip per mint, each nonce used once', () => {
  let stack: RunningStack;
  let frost: FrostGroup;
  let kid: string;
  let policy: string;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    const group = (await readGroupConfig(stack.layout.coordinator.stateDir))!;
    kid = group.kid;
    policy = (await loadPolicyFiles(DEMO_POLICY)).id;
    frost = loadGroup(groupPublicKeyOf(group));
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) {
      r.commitments.close();
      r.pool.close();
    }
    await stack?.dispose();
  });

  async function replica(target = 8, ready: readonly number[] = [1, 2, 3]): Promise<Replica> {
    const { signers, tls } = stack.layout.coordinator;
    const pool = new SignerPool(signers, tls, { deadlineMs: 5_000, healthIntervalMs: 1_000, log });
    const sent: Replica['sent'] = [];
    const call = pool.call.bind(pool);
    pool.call = ((id, rpc, req, deadlineMs) => {
      const size = rpc === 'signBatch' ? (req as { requests: unknown[] }).requests.length : 1;
      sent.push({ signer: id, rpc, size });
      return call(id, rpc, req, deadlineMs);
    }) as SignerPool['call'];
    await pool.refresh();
    const commitments = new CommitmentPool(pool, { target, log });
    commitments.start();
    const refusals: SignerRefusal[] = [];
    const driver = new RoundDriver(pool, frost, log, {
      commitments,
      events: { signerRefused: (r) => void refusals.push(r) },
    });
    const r = { pool, commitments, driver, refusals, sent };
    replicas.push(r);
    await until(() => ready.every((id) => commitments.available(id) >= target));
    return r;
  }

  const claims = (signers: number[], over: Partial<TokenClaims> = {}): TokenClaims =>
    devTokenClaims(stack.coordinatorUrl, policy, signers, over);
  const message = (signers: number[], over: Partial<TokenClaims> = {}) =>
    Buffer.from(
      signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid }, claims(signers, over)),
      'latin1',
    );

  /** A round-two request listing `taken` (one per signer), naming `ownId` for its signer. */
  const request = (
    taken: readonly PooledCommitment[],
    ownId: string,
    over: Partial<TokenClaims> = {},
  ): SignRequest => ({
    requestId: randomBytes(8).toString('hex'),
    message: message(
      taken.map((t) => t.commitment.id),
      over,
    ),
    commitments: taken.map(({ commitment: c }) => ({
      signerId: c.id,
      hiding: Buffer.from(c.hiding),
      binding: Buffer.from(c.binding),
    })),
    evidence: { kind: { $case: 'dev', value: { subject: 'dev@localhost' } } },
    purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
    approvals: [],
    requesterAttestation: undefined,
    dpopProof: '',
    checkpointProofs: undefined,
    commitmentId: ownId,
  });

  const signWith = (r: Replica) =>
    r.driver.sign({
      evidence: { kind: { $case: 'dev', value: { subject: 'dev@localhost' } } },
      messageFor: (signers) => message(signers),
    });

  it('mints through the coordinator with one Sign per signer and no round one', async () => {
    expect((await mint(stack, DEMO)).status).toBe(200);
    // The coordinator opened its streams as it started; they have delivered by now.
    await new Promise((r) => setTimeout(r, 500));
    const before = await signerCalls();
    for (let i = 0; i < 5; i++) expect((await mint(stack, DEMO)).status).toBe(200);
    const after = await signerCalls();
    expect(after.commit - before.commit).toBe(0);
    expect(after.sign - before.sign).toBe(10);
  });

  it('two coordinator replicas sharing the signers mint concurrently, each with its own commitments', async () => {
    const [a, b] = [await replica(), await replica()];
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => signWith(i % 2 ? a : b)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const r of [a, b]) {
      expect(r.sent.filter((s) => s.rpc === 'commit')).toEqual([]);
      expect(r.refusals).toEqual([]);
    }
  });

  it('refuses a commitment reused by another coordinator replica, whichever presents it first', async () => {
    const [a, b] = [await replica(), await replica()];
    // Replica A's commitments for signers 1 and 2; A signs with them.
    const taken = [a.commitments.take(1)!, a.commitments.take(2)!];
    const req = request(taken, taken[0]!.commitmentId);
    const first = await a.pool.call(1, 'sign', req);
    expect(first.signatureShare).toHaveLength(32);
    // Replica B (other connections, same signers) presents the same commitment again.
    await expect(b.pool.call(1, 'sign', { ...req, requestId: 'replayed' })).rejects.toMatchObject({
      code: 'commitment_spent',
    });
    // B gets hold of A's unused commitment of signer 2 and presents it first: consumed then,
    // so A's own later use is refused.
    const stolen = request(taken, taken[1]!.commitmentId);
    expect((await b.pool.call(2, 'sign', stolen)).signatureShare).toHaveLength(32);
    await expect(a.pool.call(2, 'sign', stolen)).rejects.toMatchObject({
      code: 'commitment_spent',
    });
    // Both at once: exactly one share comes out.
    const race = [a.commitments.take(1)!, a.commitments.take(3)!];
    const raced = request(race, race[0]!.commitmentId);
    const answers = await Promise.allSettled([
      a.pool.call(1, 'sign', raced),
      b.pool.call(1, 'sign', raced),
    ]);
    expect(answers.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(answers.find((x) => x.status === 'rejected')).toMatchObject({
      reason: { code: 'commitment_spent' },
    });
  });

  it('refuses a foreign commitment id: made up, another signer’s, or listed with another value', async () => {
    const a = await replica();
    const taken = [a.commitments.take(1)!, a.commitments.take(2)!];
    const made = request(taken, `${randomBytes(12).toString('base64url')}.1`);
    await expect(a.pool.call(1, 'sign', made)).rejects.toMatchObject({
      code: 'commitment_unknown',
    });
    // Signer 2's id presented to signer 1: another epoch, so not issued by signer 1.
    await expect(
      a.pool.call(1, 'sign', request(taken, taken[1]!.commitmentId)),
    ).rejects.toMatchObject({ code: 'commitment_unknown' });
    // Signer 1's id, but the list carries another commitment for signer 1 (round one's).
    const other = await a.pool.call(1, 'commit', { requestId: 'other' });
    const swapped = request(
      [
        { commitmentId: '', commitment: { id: 1, hiding: other.hiding, binding: other.binding } },
        taken[1]!,
      ],
      taken[0]!.commitmentId,
    );
    await expect(a.pool.call(1, 'sign', swapped)).rejects.toMatchObject({
      code: 'commitment_unknown',
    });
    // Spent by that refusal: presented again with its true value it is refused as spent.
    await expect(
      a.pool.call(1, 'sign', request(taken, taken[0]!.commitmentId)),
    ).rejects.toMatchObject({ code: 'commitment_spent' });
  });

  it('answers each request of a batch on its own: one policy-denied request fails none of the others', async () => {
    const a = await replica();
    const batcher = new SignBatcher(a.pool);
    const sentBefore = a.sent.length;
    const requests = [
      {},
      { scope: 'deploy:prod' }, // the demo policy denies an escalated scope
      {},
    ].map((over) => {
      const taken = [a.commitments.take(1)!, a.commitments.take(2)!];
      return request(taken, taken[0]!.commitmentId, over);
    });
    const answers = await Promise.allSettled(requests.map((r) => batcher.sign(1, r)));
    expect(a.sent.slice(sentBefore).filter((s) => s.rpc !== 'info')).toEqual([
      { signer: 1, rpc: 'signBatch', size: 3 },
    ]);
    expect(answers[0]).toMatchObject({ status: 'fulfilled' });
    expect(answers[2]).toMatchObject({ status: 'fulfilled' });
    expect(answers[1]).toMatchObject({ status: 'rejected', reason: { code: 'policy_denied' } });
  });

  it('a restarted signer refuses what it handed out before; mints carry on with fresh commitments', async () => {
    const a = await replica();
    const before = [a.commitments.take(1)!, a.commitments.take(2)!];
    await stack.signers.get(1)!.stop();
    await stack.restartSigner(1);
    // The replica's channel reconnects to the new process first (signer_unavailable meanwhile).
    let refusal: unknown;
    for (const deadline = Date.now() + 10_000; ; ) {
      refusal = await a.pool.call(1, 'sign', request(before, before[0]!.commitmentId)).then(
        () => undefined,
        (err: unknown) => err,
      );
      if ((refusal as { code?: string } | undefined)?.code !== 'signer_unavailable') break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusal).toMatchObject({ code: 'commitment_unknown' });
    // The replica's stream to signer 1 ended with the old process and was reopened.
    await until(() => a.commitments.available(1) > 0);
    const signed = await Promise.all(Array.from({ length: 6 }, () => signWith(a)));
    expect(signed.every((s) => s.signature.length === 64)).toBe(true);
    expect(a.refusals).toEqual([]);
    // And the dev stack's own coordinator: every mint succeeds.
    for (let i = 0; i < 6; i++) expect((await mint(stack, DEMO)).status).toBe(200);
  });

  it('blames a signer whose preprocessed commitments are malformed: faulty, and mints go on without it', async () => {
    await stack.signers.get(3)!.stop();
    await stack.restartSigner(3, FAULTY_SIGNER_ENTRY, {
      nodeOptions: nodeOptionsFor(FAULTY_SIGNER_ENTRY),
      env: { FROSTMINT_TEST_FAULT: 'commitments' },
    });
    const a = await replica(8, [1, 2]);
    await until(() => a.pool.status().find((s) => s.id === 3)?.faultyUntil !== undefined);
    expect(a.pool.status().find((s) => s.id === 3)?.faultReason).toMatch(
      /^invalid preprocessed commitment/,
    );
    expect(a.commitments.available(3)).toBe(0);
    const signed = await Promise.all(Array.from({ length: 4 }, () => signWith(a)));
    for (const s of signed) expect(s.signers).toEqual([1, 2]);
    expect(a.sent.filter((s) => s.signer === 3 && s.rpc !== 'info')).toEqual([]);
  });

  /** The coordinator's signer RPCs so far, from its metrics. */
  async function signerCalls(): Promise<{ commit: number; sign: number }> {
    const text = await (await fetch(`${stack.coordinatorUrl}/metrics`)).text();
    const sum = (rpc: string) =>
      [
        ...text.matchAll(
          new RegExp(
            `^frostmint_signer_call_duration_seconds_count\\{[^}]*rpc="${rpc}"[^}]*\\} (\\S+)$`,
            'gm',
          ),
        ),
      ].reduce((n, m) => n + Number(m[1]), 0);
    return { commit: sum('commit'), sign: sum('sign') };
  }
});

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
