import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCheckpoint, leafHash, MerkleTree } from '@frostmint/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { witnessMetrics } from '../../src/metrics.ts';
import { SigningLog } from '../../src/signing-log.ts';
import { LogWitness } from '../../src/transparency/log-witness.ts';

const ORIGIN = 'frostmint.local/audit';
const log = pino({ level: 'silent' });

describe('LogWitness: what a signer remembers across a restart', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  /** Opens the signer's journal and witness in `stateDir` at the clock `now`. */
  async function open(stateDir: string, now: () => number) {
    const journal = await SigningLog.open(stateDir);
    const witness = await LogWitness.open({
      stateDir,
      config: { origin: ORIGIN, maxMergeDelaySeconds: 10 },
      journal,
      log,
      now,
    });
    return {
      journal,
      witness,
      close: async () => {
        witness.close();
        await journal.close();
      },
    };
  }

  it('keeps co-signed tokens pending and the last checkpoint through restarts', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-witness-'));
    dirs.push(stateDir);
    let now = Date.now();
    const message = Buffer.from('eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJhIn0');
    const first = await open(stateDir, () => now);
    await first.journal.append({
      kind: 'signed',
      purpose: 'token',
      requestId: 'r1',
      id: 'a',
      sub: 's',
      signingInputSha256: first.witness.cosigned(message),
    });
    await first.close();

    // Restarted after the merge delay: the token, known only from the signing log, is overdue.
    now += 11_000;
    const second = await open(stateDir, () => now);
    expect(second.witness.overdue()).toBe(1);
    const registry = new Registry();
    witnessMetrics(registry, second.witness);
    expect(await registry.getSingleMetricAsString('frostmint_signer_unlogged_overdue')).toMatch(
      /^frostmint_signer_unlogged_overdue 1$/m,
    );
    expect(() => second.witness.assertLogged()).toThrow(
      expect.objectContaining({ code: 'log_merge_overdue' }),
    );
    const entry = Buffer.from(
      JSON.stringify({ signing_input_sha256: createHash('sha256').update(message).digest('hex') }),
    );
    const tree = new MerkleTree();
    tree.append(leafHash(Buffer.from('{}')));
    tree.append(leafHash(entry));
    const text = formatCheckpoint({ origin: ORIGIN, size: 2, root: tree.root() });
    // Without the proof of the token the checkpoint is refused; with it, co-signed.
    await expect(
      second.witness.cosignCheckpoint(Buffer.from(text), undefined, async () => 'share'),
    ).rejects.toMatchObject({ code: 'log_merge_overdue' });
    const proofs = {
      consistency: [],
      entries: [{ index: 1, entry, inclusion: tree.inclusionProof(1).map((h) => Buffer.from(h)) }],
    };
    await expect(
      second.witness.cosignCheckpoint(Buffer.from(text), proofs, async () => 'share'),
    ).resolves.toBe('share');
    expect(second.witness.overdue()).toBe(0);
    await second.close();

    const third = await open(stateDir, () => now);
    expect(third.witness.overdue()).toBe(0);
    expect(third.witness.checkpointSize).toBe(2);
    const smaller = formatCheckpoint({ origin: ORIGIN, size: 1, root: tree.root(1) });
    await expect(
      third.witness.cosignCheckpoint(Buffer.from(smaller), undefined, async () => 'share'),
    ).rejects.toMatchObject({ code: 'checkpoint_shrunk' });
    await third.close();
  });
});
