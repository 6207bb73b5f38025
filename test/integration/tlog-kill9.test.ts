import { type DaemonProcess, waitUntil } from '@frostmint/cli';
import { CoordinatorClient, CoordinatorError } from '@frostmint/client';
import { DEFAULT_AUDIT_ORIGIN, type Receipt, verifyReceipt } from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../harness.ts';
import { testCheckpointing } from '../support/audit-config.ts';
import { spawnCoordinator } from '../support/coordinator-process.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

/** Concurrent minting clients during the crash. */
const CLIENTS = 6;
/** Tokens received before the coordinator is killed. */
const BEFORE_KILL = 40;

/**
 * `kill -9` of the coordinator under mint load (real signer and coordinator processes,
 * PGlite on disk): every token any client received was logged before it was answered, so
 * after a restart each one is in the log, a checkpoint co-signed by the quorum covers it, and
 * its receipt verifies offline against the group key — with the token's own hash.
 */
describe('kill -9 of the coordinator under mint load', () => {
  let stack: Stack;
  let restarted: DaemonProcess | undefined;
  let groupKey: Uint8Array;

  beforeAll(async () => {
    stack = await startTestStack({
      audit: {
        coordinator: testCheckpointing(DEFAULT_AUDIT_ORIGIN),
      },
    });
    const jwks = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { x: string }[];
    };
    groupKey = Buffer.from(jwks.keys[0]!.x, 'base64url');
  }, 180_000);
  afterAll(async () => {
    await restarted?.stop();
    await stack?.dispose();
  });

  it('every token a client received has a receipt that verifies after the restart', async () => {
    const client = new CoordinatorClient({ baseUrl: stack.coordinatorUrl, timeoutMs: 10_000 });
    const received: { jti: string; token: string }[] = [];
    let killed = false;
    let killing: Promise<void> | undefined;
    const load = async () => {
      while (!killed) {
        try {
          const outcome = await client.mint(
            { scope: ['deploy:canary'], audience: 'deploy-api' },
            stack.layout.bearer,
          );
          if (outcome.kind === 'minted') {
            received.push({ jti: outcome.token.jti, token: outcome.token.token });
          }
        } catch (err) {
          // Only the crash may fail a mint: the connection drops or is refused.
          if (!killing) throw err;
          expect(err).toBeInstanceOf(CoordinatorError);
        }
        if (received.length >= BEFORE_KILL && !killing) {
          // SIGKILL mid-load: other clients' mints are in flight, some signed, some logging.
          killing = stack.coordinator.kill().then(() => {
            killed = true;
          });
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, load));
    await killing;
    expect(received.length).toBeGreaterThanOrEqual(BEFORE_KILL);

    restarted = spawnCoordinator(stack.layout);
    await waitUntil(restarted, async () => (await fetch(`${stack.coordinatorUrl}/readyz`)).ok);
    // The restarted coordinator cuts a checkpoint over what the killed one logged.
    const receipts = new Map<string, Receipt>();
    const deadline = Date.now() + 60_000;
    for (const { jti } of received) {
      for (;;) {
        try {
          receipts.set(jti, await client.receipt(jti));
          break;
        } catch (err) {
          expect((err as CoordinatorError).code, jti).toBe('receipt_pending');
          expect(Date.now()).toBeLessThan(deadline);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    for (const { jti, token } of received) {
      const verified = verifyReceipt(receipts.get(jti), {
        groupPublicKeys: [groupKey],
        origin: DEFAULT_AUDIT_ORIGIN,
        token,
      });
      expect(verified.entry).toMatchObject({ type: 'mint', jti });
      expect(verified.checkpoint.size).toBeGreaterThan(verified.logIndex);
    }
    // And a mint after the restart can wait for its own receipt.
    const after = await client.mint(
      { scope: ['deploy:canary'], audience: 'deploy-api', wait_for_receipt: 10 },
      stack.layout.bearer,
    );
    expect(after.kind).toBe('minted');
    if (after.kind !== 'minted') return;
    expect(after.token.receipt).toBeTruthy();
    verifyReceipt(after.token.receipt, {
      groupPublicKeys: [groupKey],
      origin: DEFAULT_AUDIT_ORIGIN,
      token: after.token.token,
    });
  }, 300_000);
});
