/**
 * Background jobs start in one place for every coordinator (`coordinator.ts` starts them
 * before and regardless of any flow): here a store no WebAuthn flow ever touched — only a
 * CI ID token in the replay window and a request left waiting — is swept by the jobs alone.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OIDC_REPLAY_NAMESPACE } from '../src/auth/oidc.ts';
import { startBackgroundJobs } from '../src/jobs.ts';
import { ramStore } from './mint/harness.ts';

const clock = { ms: Date.now() };
let opened: Awaited<ReturnType<typeof ramStore>>;
beforeAll(async () => {
  opened = await ramStore(() => clock.ms);
});
afterAll(async () => {
  await opened?.close();
});

it('sweeps expired replay entries and overdue requests with WebAuthn off', async () => {
  const { store } = opened;
  const soon = new Date(clock.ms + 1_000);
  expect(await store.replay.rememberOnce(OIDC_REPLAY_NAMESPACE, 'id-token-digest', soon)).toBe(
    true,
  );
  await store.mintRequests.create({
    id: 'waiting-ci-mint',
    requester: 'repo:acme/app:ref:refs/heads/main',
    kind: 'polled_mint',
    signingInput: 'e30.e30',
    claims: {},
    decision: {},
    justification: null,
    requiredApprovals: 2,
    createdAt: new Date(clock.ms),
    expiresAt: soon,
  });
  clock.ms += 2_000;
  const jobs = startBackgroundJobs({ store, log: pino({ level: 'silent' }), intervalMs: 10 });
  try {
    await expect
      .poll(async () => (await store.mintRequests.get('waiting-ci-mint'))?.status, {
        timeout: 5_000,
        interval: 20,
      })
      .toBe('expired');
    // The jobs already removed the expired replay entry: nothing is left to sweep.
    expect((await store.sweepExpired()).replay).toBe(0);
  } finally {
    jobs.close();
  }
});
