import {
  consistencyProof,
  cosignatureVerifier,
  formatCheckpoint,
  formatSignedNote,
  inclusionProof,
  leafHash,
  noteSignature,
  noteVerifier,
  parseVerifierKey,
  treeHead,
  verifyNote,
  verifyReceipt,
} from '@frostmint/core';
import { startLitewitness, type TestWitness } from '@frostmint/test-support/litewitness';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWitnessMetrics,
  WitnessCosigner,
  WitnessPolicySchema,
} from '../../src/audit/witness/index.ts';
import { addCheckpointBody } from '../../src/audit/witness/protocol.ts';

/**
 * The witness client against a real C2SP tlog-witness: litewitness (filippo.io/torchwood),
 * its key in a real ssh-agent. It cosigns growing checkpoints of a log (with consistency
 * proofs), and refuses what an attacker coordinator would show it: a rewritten entry, a
 * different tree of the same size, a checkpoint not signed by the quorum's key.
 */

const ORIGIN = 'witness-test.frostmint.local/audit';
const quorumSecret = ed25519.utils.randomSecretKey();
const quorumKey = ed25519.getPublicKey(quorumSecret);
const quorumVkey = noteVerifier(ORIGIN, quorumKey).vkey;

const entries = (n: number, tamperAt?: number) =>
  Array.from({ length: n }, (_, i) =>
    Buffer.from(JSON.stringify({ type: 'mint', jti: `j${i}`, tampered: i === tamperAt })),
  );

/** A quorum-signed checkpoint of `log` (entries) and its consistency-proof source. */
function checkpointOf(log: Buffer[], secret = quorumSecret) {
  const leaves = log.map(leafHash);
  const text = formatCheckpoint({ origin: ORIGIN, size: log.length, root: treeHead(leaves) });
  const key = ed25519.getPublicKey(secret);
  const note = formatSignedNote({
    text,
    signatures: [noteSignature(ORIGIN, key, ed25519.sign(Buffer.from(text), secret))],
  });
  return {
    note,
    text,
    leaves,
    consistencyProof: async (oldSize: number) => consistencyProof(leaves, oldSize),
  };
}

describe('external witness (litewitness, C2SP tlog-witness)', { timeout: 60_000 }, () => {
  let witness: TestWitness;
  let other: TestWitness;
  const registry = new Registry();
  const metrics = createWitnessMetrics(registry);
  let cosigner: WitnessCosigner;
  const policy = () =>
    WitnessPolicySchema.parse({
      witnesses: [{ name: witness.name, url: witness.url, key: witness.verifierKey }],
      minCosignatures: 1,
    });
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const value = m?.values.find((v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
    );
    return value?.value ?? 0;
  };

  beforeAll(async () => {
    [witness, other] = await Promise.all([
      startLitewitness({ name: 'witness.test/w1' }),
      startLitewitness({ name: 'witness.test/w2' }),
    ]);
    await witness.addLog(ORIGIN, quorumVkey);
    await other.addLog(ORIGIN, quorumVkey);
    cosigner = new WitnessCosigner(policy(), { metrics });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([witness?.stop(), other?.stop()]);
  });

  it('cosigns growing checkpoints; each cosignature verifies and a receipt needs it', async () => {
    for (const size of [3, 7, 7]) {
      const cp = checkpointOf(entries(size));
      const result = await cosigner.cosign(cp);
      expect(result).toMatchObject({
        cosigned: ['witness.test/w1'],
        failures: [],
        witnessed: true,
      });
      // The quorum line stays first; the witness's line follows and verifies (cosignature/v1).
      expect(result.note.split('\n').filter((l) => l.startsWith('— '))).toHaveLength(2);
      const { publicKey } = parseVerifierKey(witness.verifierKey);
      const verified = verifyNote(result.note, [cosignatureVerifier(witness.name, publicKey)]);
      expect(verified.verified.map((s) => s.name)).toEqual([witness.name]);
      expect(cosigner.isWitnessed(result.note)).toBe(true);
      // A receipt on this checkpoint verifies with the witness required.
      const receipt = {
        version: 1,
        log_index: size - 1,
        entry: entries(size)[size - 1]!.toString('base64'),
        inclusion_proof: inclusionProof(cp.leaves, size - 1).map((h) =>
          Buffer.from(h).toString('base64'),
        ),
        checkpoint: result.note,
      };
      expect(
        verifyReceipt(receipt, {
          groupPublicKeys: [quorumKey],
          origin: ORIGIN,
          witnesses: [cosignatureVerifier(witness.name, publicKey)],
          witnessesRequired: 1,
        }).logIndex,
      ).toBe(size - 1);
    }
    expect((await witness.listLogs()).find((l) => l.origin === ORIGIN)?.size).toBe(7);
    expect(
      await metric('frostmint_audit_witness_cosignatures_total', { witness: 'witness.test/w1' }),
    ).toBe(3);
    expect(await metric('frostmint_audit_witness_tree_size', { witness: 'witness.test/w1' })).toBe(
      7,
    );
  });

  it('a restarted coordinator learns the witness size from its 409 and proves consistency from it', async () => {
    const fresh = new WitnessCosigner(policy());
    const result = await fresh.cosign(checkpointOf(entries(9)));
    expect(result.witnessed).toBe(true);
    expect((await witness.listLogs()).find((l) => l.origin === ORIGIN)?.size).toBe(9);
  });

  it('refuses a rewritten history fed directly over HTTP (422), and the cosigner reports it', async () => {
    // An attacker coordinator rewrites entry 2 and shows a size-12 tree with a "proof" from 9.
    const forged = checkpointOf(entries(12, 2));
    const body = addCheckpointBody({
      oldSize: 9,
      proof: await forged.consistencyProof(9),
      note: forged.note,
    });
    const direct = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
    expect(direct.status).toBe(422);
    expect(await direct.text()).toMatch(/consistency proof/);

    const result = await cosigner.cosign(forged);
    expect(result.witnessed).toBe(false);
    expect(result.cosigned).toEqual([]);
    expect(result.failures).toEqual([
      expect.objectContaining({ witness: 'witness.test/w1', code: 'witness_inconsistent' }),
    ]);
    expect(result.note).toBe(forged.note);
    expect(cosigner.isWitnessed(result.note)).toBe(false);
    expect(await metric('frostmint_audit_checkpoints_unwitnessed_total')).toBe(1);
    expect(
      await metric('frostmint_audit_witness_failures_total', {
        witness: 'witness.test/w1',
        code: 'witness_inconsistent',
      }),
    ).toBe(1);
    // The witness still holds the honest size.
    expect((await witness.listLogs()).find((l) => l.origin === ORIGIN)?.size).toBe(9);
  });

  it('refuses another tree of the same size (fork), and a checkpoint the quorum did not sign', async () => {
    const fork = await cosigner.cosign(checkpointOf(entries(9, 0)));
    expect(fork.failures.map((f) => f.code)).toEqual(['witness_inconsistent']);
    const rogue = await cosigner.cosign(checkpointOf(entries(10), ed25519.utils.randomSecretKey()));
    expect(rogue.failures.map((f) => f.code)).toEqual(['witness_refused']);
  });

  it('never attaches a cosignature that does not verify under the configured key', async () => {
    // Configured with w1's key but pointed at w2: w2's cosignature is not w1's.
    const misdirected = new WitnessCosigner(
      WitnessPolicySchema.parse({
        witnesses: [{ name: witness.name, url: other.url, key: witness.verifierKey }],
      }),
    );
    const cp = checkpointOf(entries(3));
    const result = await misdirected.cosign(cp);
    expect(result.failures.map((f) => f.code)).toEqual(['witness_answer_invalid']);
    expect(result.note).toBe(cp.note);
  });

  it('an unreachable witness costs its cosignature, nothing else', async () => {
    const down = new WitnessCosigner(
      WitnessPolicySchema.parse({
        witnesses: [
          { name: witness.name, url: witness.url, key: witness.verifierKey },
          {
            name: 'witness.test/down',
            url: 'http://127.0.0.1:9/',
            key: cosignatureVerifier('witness.test/down', ed25519.getPublicKey(quorumSecret)).vkey,
          },
        ],
        minCosignatures: 1,
        timeoutMs: 500,
      }),
    );
    const result = await down.cosign(checkpointOf(entries(11)));
    expect(result.witnessed).toBe(true);
    expect(result.failures.map((f) => f.code)).toEqual(['witness_unreachable']);
  });
});
