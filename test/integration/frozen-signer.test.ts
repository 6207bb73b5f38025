import { randomBytes } from 'node:crypto';
import { DEMO_POLICY } from '@frostmint/cli';
import { RoundDriver, SignerPool, type SignerRefusal } from '@frostmint/coordinator';
import {
  type FrostGroup,
  groupPublicKeyOf,
  loadGroup,
  loadPolicyFiles,
  readGroupConfig,
  signingInput,
} from '@frostmint/core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningStack, startTestStack } from '../harness.ts';
import { devTokenClaims } from '../support/rogue-sign.ts';

/** The dev stack's RPC deadline: what a mint waited for a frozen signer before hedging. */
const DEADLINE_MS = 10_000;
/** The hedge budget's floor; `factor` 1 keeps the budget near it on a busy test machine. */
const HEDGE = { floorMs: 150, factor: 1, capMs: DEADLINE_MS };
/** Well under the deadline: a mint that waited for the frozen signer fails this. */
const ROUTED_AROUND_MS = 3_000;

type Fault = { signer: number; rpc: 'commit' | 'sign'; pauseMs?: number };

/**
 * A round driver in this process against the dev stack's real signer processes; a signer
 * is frozen (SIGSTOP) exactly when the driver sends it a chosen RPC, so a mint is caught
 * with the frozen signer in round one or in round two every time (the chaos suite's freeze
 * hits that moment only by chance).
 */
describe('a signer frozen (SIGSTOP) while a mint is in flight with it', () => {
  let stack: RunningStack;
  let pool: SignerPool;
  let driver: RoundDriver;
  let frost: FrostGroup;
  let kid: string;
  let policy: string;
  const reports: SignerRefusal[] = [];
  const faults: Fault[] = [];
  const stopped = new Set<number>();
  const log = pino({ level: 'silent' });

  const pid = (id: number) => stack.signers.get(id)!.child.pid!;
  const freeze = (id: number) => {
    process.kill(pid(id), 'SIGSTOP');
    stopped.add(id);
  };
  const thaw = (id: number) => {
    if (stopped.delete(id)) process.kill(pid(id), 'SIGCONT');
  };

  beforeAll(async () => {
    stack = await startTestStack();
    const group = (await readGroupConfig(stack.layout.coordinator.stateDir))!;
    kid = group.kid;
    policy = (await loadPolicyFiles(DEMO_POLICY)).id;
    const { signers, tls } = stack.layout.coordinator;
    pool = new SignerPool(signers, tls, {
      deadlineMs: DEADLINE_MS,
      healthIntervalMs: 1_000,
      degradedForMs: 1_000,
      log,
    });
    // The fault fires as the driver sends the RPC, before the signer can see it.
    const call = pool.call.bind(pool);
    pool.call = ((id, rpc, req, deadlineMs) => {
      const i = faults.findIndex((f) => f.signer === id && f.rpc === rpc);
      if (i >= 0) {
        const [fault] = faults.splice(i, 1);
        freeze(id);
        if (fault!.pauseMs) setTimeout(() => thaw(id), fault!.pauseMs);
      }
      return call(id, rpc, req, deadlineMs);
    }) as SignerPool['call'];
    await pool.refresh();
    frost = loadGroup(groupPublicKeyOf(group));
    driver = new RoundDriver(pool, frost, log, {
      hedge: HEDGE,
      events: { signerRefused: (r) => void reports.push(r) },
    });
    // Enough rounds for the hedge budget to trust its p99 (below that it waits the deadline).
    for (let i = 0; i < 20; i++) await sign();
  }, 120_000);

  beforeEach(async () => {
    // Three ready signers, none degraded (the warm-up or the last case may have left one).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      await pool.refresh();
      if (pool.candidates().length === 3 && ![1, 2, 3].some((id) => pool.isDegraded(id))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`signers did not recover: ${JSON.stringify(pool.status())}`);
  });

  afterEach(() => {
    for (const id of [...stopped]) thaw(id);
    // Every case's fault must have hit: the driver did ask the signer the case names.
    expect(faults.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    for (const id of [...stopped]) thaw(id);
    pool?.close();
    await stack?.dispose();
  });

  /** One token signing, as the coordinator's mint runs it (dev evidence). */
  async function sign(by: RoundDriver = driver) {
    const requestId = randomBytes(16).toString('base64url');
    const started = performance.now();
    const signed = await by.sign({
      requestId,
      evidence: { kind: { $case: 'dev', value: { subject: 'dev@localhost' } } },
      messageFor: (signers) =>
        Buffer.from(
          signingInput(
            { alg: 'EdDSA', typ: 'at+jwt', kid },
            devTokenClaims(stack.coordinatorUrl, policy, signers, { jti: requestId }),
          ),
          'latin1',
        ),
    });
    return { ...signed, requestId, ms: performance.now() - started };
  }

  /** Signer 2 out of the preferred tier: round one asks exactly signers 1 and 3. */
  function pairOneAndThree() {
    pool.markDegraded(2, 'test', 'kept out of the preferred tier by the test');
  }

  it.each([
    ['sign', 'in round two: hedged to signer 2 within the budget, never waiting for the deadline'],
    [
      'commit',
      'in round one, when the preferred pair is itself and one other: signer 2 is asked too',
    ],
  ] as const)('frozen at %s — %s', async (rpc, _what) => {
    pairOneAndThree();
    faults.push({ signer: 3, rpc });
    const signed = await sign();
    expect(signed.signers).toEqual([1, 2]);
    expect(signed.ms).toBeLessThan(ROUTED_AROUND_MS);
    expect(reports).toContainEqual(
      expect.objectContaining({ requestId: signed.requestId, signer: 3, rpc, code: 'slow' }),
    );
    if (rpc === 'sign') {
      expect(pool.status().find((s) => s.id === 3)?.degraded?.reason).toBe('slow');
    }
  });

  it('in round two while its partner is paused past the budget too: hedged once the partner answers', async () => {
    pairOneAndThree();
    // Both silent when the budget runs out; with signer 1 counted slow as well there is no
    // other quorum yet, so the driver must keep watching instead of waiting for the deadline.
    faults.push({ signer: 1, rpc: 'sign', pauseMs: 1_000 }, { signer: 3, rpc: 'sign' });
    const signed = await sign();
    expect(signed.signers).toEqual([1, 2]);
    expect(signed.ms).toBeGreaterThanOrEqual(1_000);
    expect(signed.ms).toBeLessThan(1_000 + ROUTED_AROUND_MS);
    const mine = reports.filter((r) => r.requestId === signed.requestId);
    expect(mine).toContainEqual(expect.objectContaining({ signer: 3, rpc: 'sign', code: 'slow' }));
    expect(mine).not.toContainEqual(expect.objectContaining({ signer: 1, rpc: 'sign' }));
  });

  it('in round two, as soon as another mint has hedged around the frozen signer, not after its own budget', async () => {
    // A fresh driver waits long on its own: no round times yet (the budget is the deadline),
    // and 1000 × its partner's answer time. Only the pool's news can cut that short.
    const patient = new RoundDriver(pool, frost, log, { hedge: { ...HEDGE, factor: 1_000 } });
    pairOneAndThree();
    faults.push({ signer: 3, rpc: 'sign' });
    const signing = sign(patient);
    while (!stopped.has(3)) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    pool.markDegraded(3, 'slow', 'another mint hedged around it');
    const signed = await signing;
    expect(signed.signers).toEqual([1, 2]);
    expect(signed.ms).toBeLessThan(2_500);
  });

  it('the frozen signer, once thawed, rejoins and signs again with fresh nonces', async () => {
    faults.push({ signer: 3, rpc: 'sign' });
    pairOneAndThree();
    await sign();
    thaw(3);
    // Its round-two request from the hedged mint is stale: every later mint takes fresh
    // commitments, so it signs again as soon as it is back in rotation.
    let withThree = false;
    for (let i = 0; i < 30 && !withThree; i++) {
      await pool.refresh();
      if (pool.isDegraded(3)) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      pool.markDegraded(1, 'test', 'kept out of the preferred tier by the test');
      withThree = (await sign()).signers.includes(3);
    }
    expect(withThree).toBe(true);
  });
});
