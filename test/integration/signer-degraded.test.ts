import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DaemonProcess, waitUntil } from '@frostmint/cli';
import { checkCoordinatorConfig } from '@frostmint/coordinator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, type RunningStack, startTestStack } from '../harness.ts';
import { type AuditEntry, readAuditLog, spawnCoordinator } from '../support/coordinator-process.ts';
import { fakeClock } from '../support/faketime.ts';

/** The coordinator's degrade window in this test (`signerDegradedMs`). */
const DEGRADED_MS = 3_000;

interface Readyz {
  ready: boolean;
  available_signers: number;
  signers: {
    id: number;
    ready: boolean;
    clockOffsetMs?: number;
    degraded?: { reason: string; detail: string };
  }[];
  store?: { ok: boolean; fsync: boolean; freeBytes?: number; reason?: string };
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    frostmint: { signers: number[] };
  };

/**
 * A real local stack (signer and coordinator processes over mTLS gRPC): signer 3's clock
 * runs 20 s ahead (libfaketime) and it tolerates only 5 s, so it passes the coordinator's
 * own clock check (30 s) but refuses every token's `iat` (`token_iat_skew`). The
 * coordinator runs with a 3 s degrade window.
 */
describe('a signer that refuses for a reason about itself (its clock), on a real stack', () => {
  let stack: RunningStack;
  let coordinator: DaemonProcess;
  const readyz = async () =>
    (await (await fetch(`${stack.coordinatorUrl}/readyz`)).json()) as Readyz;
  const mintOne = () => mint(stack, { scope: ['deploy:canary'], audience: 'deploy-api' });

  beforeAll(async () => {
    stack = await startTestStack();
    const signerConfig = stack.layout.signerConfigPaths[2]!;
    const signer = JSON.parse(await readFile(signerConfig, 'utf8'));
    await writeFile(signerConfig, JSON.stringify({ ...signer, clockSkewSeconds: 5 }));
    await stack.signers.get(3)!.stop();
    await stack.restartSigner(3, undefined, { env: fakeClock('+20s') });
    // The coordinator again, with a short degrade window (a field of its config file).
    const path = stack.layout.coordinatorConfigPath;
    const config = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...config, signerDegradedMs: DEGRADED_MS }));
    await stack.coordinator.stop();
    coordinator = spawnCoordinator(stack.layout);
    await waitUntil(coordinator, async () => {
      const r = await readyz();
      return r.ready && r.signers.every((s) => s.ready);
    });
  }, 180_000);

  afterAll(async () => {
    await coordinator?.stop();
    await stack?.dispose();
  });

  it('shows the signer degraded (clock_skew) in /readyz, with the store, while every mint succeeds through 1 and 2', async () => {
    let shown: Readyz | undefined;
    for (let i = 0; i < 40 && !shown; i++) {
      const answer = await mintOne();
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(claimsOf(answer.body.token!).frostmint.signers).toEqual([1, 2]);
      const r = await readyz();
      // On a busy machine a signer may also be hedged around now and then (`slow`).
      if (r.signers.find((s) => s.id === 3)?.degraded?.reason === 'clock_skew') shown = r;
    }
    expect(shown).toBeDefined();
    const three = shown!.signers.find((s) => s.id === 3)!;
    expect(three.degraded).toEqual(
      expect.objectContaining({ reason: 'clock_skew', detail: expect.stringContaining('iat') }),
    );
    // Measured from its health answers: about 20 s ahead, within the coordinator's 30 s.
    expect(three.clockOffsetMs).toBeGreaterThan(15_000);
    expect(three.clockOffsetMs).toBeLessThan(25_000);
    expect(shown!.ready).toBe(true);
    expect(shown!.store).toEqual(
      expect.objectContaining({ ok: true, fsync: true, freeBytes: expect.any(Number) }),
    );
  });

  it('with signer 2 down too, answers 503 quorum_unavailable naming signer 3 and its refusal', async () => {
    await stack.signers.get(2)!.kill();
    // Past the degrade window, signer 3 is asked again (and refuses again).
    await new Promise((r) => setTimeout(r, DEGRADED_MS + 500));
    const answer = await mintOne();
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('quorum_unavailable');
    expect(answer.body.message).toContain('signer 3: token_iat_skew');
    expect((await readyz()).ready).toBe(false);
  });

  it('wrote each refusal (signer and code) and the quorum loss to the audit log', async () => {
    await coordinator.stop();
    const entries = await readAuditLog(stack.layout.coordinator.stateDir);
    const refusals = entries.filter((e) => e.type === 'signer_refusal');
    expect(refusals).toContainEqual(
      expect.objectContaining({ signer: 3, rpc: 'sign', code: 'token_iat_skew' }),
    );
    // Besides hedging on a busy machine (`slow`) and signer 2 killed, only signer 3 refused.
    const others = refusals.filter((e) => e.code !== 'slow' && e.signer !== 2);
    expect(new Set(others.map((e) => `${e.signer} ${e.code}`))).toEqual(
      new Set(['3 token_iat_skew']),
    );
    const losses = entries.filter((e): e is AuditEntry => e.type === 'quorum_loss');
    expect(losses).toContainEqual(
      expect.objectContaining({
        available: 1,
        needed: 2,
        refusals: [{ signer: 3, code: 'token_iat_skew' }],
      }),
    );
    // Each refusal names the request it belongs to; the mints of those requests succeeded.
    const minted = new Set(entries.filter((e) => e.type === 'mint').map((e) => e.jti));
    const refusedThenMinted = refusals.filter((e) => minted.has(e.request as string));
    expect(refusedThenMinted.length).toBeGreaterThan(0);
  });

  it('--check-config accepts signerDegradedMs in range and names it when out of range', async () => {
    const path = stack.layout.coordinatorConfigPath;
    const config = JSON.parse(await readFile(path, 'utf8'));
    expect(await checkCoordinatorConfig(path)).toEqual([]);
    for (const wrong of [0, 999, 600_001, 2.5, '10s']) {
      const file = join(stack.layout.stateDir, 'wrong-degraded.json');
      await writeFile(file, JSON.stringify({ ...config, signerDegradedMs: wrong }));
      const problems = await checkCoordinatorConfig(file);
      expect(problems.map((p) => JSON.stringify(p)).join('\n'), String(wrong)).toContain(
        'signerDegradedMs',
      );
    }
  });
});
