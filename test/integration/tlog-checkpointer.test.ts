import { createHash } from 'node:crypto';
import {
  DEFAULT_AUDIT_ORIGIN,
  noteVerifier,
  parseCheckpoint,
  verifyNote,
  verifyReceipt,
} from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCheckpointing } from '../support/audit-config.ts';
import { type InProcessStack, startInProcessStack } from '../support/in-process-stack.ts';

const ORIGIN = DEFAULT_AUDIT_ORIGIN;
const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

describe('the coordinator cuts checkpoints and the signer quorum co-signs them', () => {
  let stack: InProcessStack;
  let groupKey: Uint8Array;

  beforeAll(async () => {
    stack = await startInProcessStack({
      audit: {
        coordinator: testCheckpointing(ORIGIN),
        signers: { origin: ORIGIN, maxMergeDelaySeconds: 10 },
      },
    });
    const jwks = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { x: string }[];
    };
    groupKey = Buffer.from(jwks.keys[0]!.x, 'base64url');
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const mint = async (): Promise<string> => {
    const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
      },
      body: JSON.stringify(DEMO),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };

  it('covers minted tokens with a quorum-signed checkpoint their receipts verify against', async () => {
    const tokens = [await mint(), await mint(), await mint()];
    const { store, transparency } = stack.coordinator;
    const size = await store.audit.size();
    const checkpoint = await transparency!.checkpoints.covering(size - 1, { waitMs: 15_000 });
    expect(checkpoint?.size).toBeGreaterThanOrEqual(size);
    const { text } = verifyNote(checkpoint!.note, [noteVerifier(ORIGIN, groupKey)]);
    expect(parseCheckpoint(text).size).toBe(checkpoint!.size);

    const leaves = await store.audit.read(0, checkpoint!.size);
    for (const token of tokens) {
      const tokenSha = createHash('sha256').update(token).digest('hex');
      const leaf = leaves.find((l) => l.entryJson.includes(tokenSha))!;
      const receipt = {
        version: 1,
        log_index: leaf.index,
        entry: Buffer.from(leaf.entryJson).toString('base64'),
        inclusion_proof: transparency!.tree
          .inclusionProof(leaf.index, checkpoint!.size)
          .map((h) => Buffer.from(h).toString('base64')),
        checkpoint: checkpoint!.note,
      };
      const verified = verifyReceipt(receipt, {
        groupPublicKeys: [groupKey],
        origin: ORIGIN,
        token,
      });
      expect(verified.entry).toMatchObject({ type: 'mint' });
    }
  });

  it('cuts nothing while the log does not grow, once every signer co-signed its tree', async () => {
    const { pool, store, transparency } = stack.coordinator;
    const size = await store.audit.size();
    await transparency!.checkpoints.covering(size - 1, { waitMs: 15_000 });
    // A signer left out of the last cut co-signs the same tree at the next interval.
    const heads = () =>
      Promise.all(
        [1, 2, 3].map(async (id) => Number((await pool.call(id, 'info', {})).checkpointSize)),
      );
    const deadline = Date.now() + 15_000;
    while ((await heads()).some((s) => s < size) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Math.min(...(await heads()))).toBe(size);
    await transparency!.checkpointer.cut(); // finishes a catch-up cut still under way
    expect(await transparency!.checkpointer.cut()).toBeUndefined();
    expect((await store.audit.latestCheckpoint())?.treeSize).toBe(size);
  });

  it('lets every signer co-sign in turn, so each sees the tokens it signed logged', async () => {
    await mint();
    const { pool, store } = stack.coordinator;
    const size = await store.audit.size();
    const deadline = Date.now() + 15_000;
    let sizes: number[] = [];
    while (Date.now() < deadline) {
      await mint();
      sizes = await Promise.all(
        [1, 2, 3].map(async (id) => Number((await pool.call(id, 'info', {})).checkpointSize)),
      );
      if (sizes.every((s) => s >= size)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(size);
    const infos = await Promise.all([1, 2, 3].map((id) => pool.call(id, 'info', {})));
    expect(infos.map((i) => i.ready)).toEqual([true, true, true]);
  });
});
