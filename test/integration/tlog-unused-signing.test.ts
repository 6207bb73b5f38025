import { createHash } from 'node:crypto';
import { DEMO_POLICY } from '@frostmint/cli';
import { decodeEntryBundle, TILE_WIDTH, tilePath } from '@frostmint/coordinator';
import {
  DEFAULT_AUDIT_ORIGIN,
  loadPolicyFiles,
  parseCheckpoint,
  parseSignedNote,
  signingInput,
} from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, startTestStack } from '../harness.ts';
import { testCheckpointing } from '../support/audit-config.ts';
import { FAULTY_SIGNER_ENTRY, nodeOptionsFor } from '../support/fixture-process.ts';
import { askToSign, devTokenClaims } from '../support/rogue-sign.ts';

const ORIGIN = DEFAULT_AUDIT_ORIGIN;
const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };
/** Short, so that a share left out of the log stops a signer in the test; not so short that a
 * loaded machine delays checkpoints past it. */
const MERGE_DELAY_SECONDS = 5;

type Entry = { type: string } & Record<string, unknown>;
type ReadySigner = { id: number; ready?: boolean; faultReason?: string };

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * A signing input a signer co-signed but that did not become the token (its quorum was
 * replaced after an invalid share) is still logged, as an `unused_signing` entry: the
 * signers wait for every signing input they co-signed to appear in a checkpoint and refuse
 * to sign once one is overdue, so without it the honest signer would stop (real processes;
 * signer 3 returns corrupted shares).
 */
describe('transparency log: signing inputs of replaced quorums', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack({
      audit: {
        coordinator: testCheckpointing(ORIGIN),
        signers: { origin: ORIGIN, maxMergeDelaySeconds: MERGE_DELAY_SECONDS },
      },
    });
    await stack.signers.get(3)!.stop();
    // Its checkpoint shares stay good: only a token mint can find it faulty.
    await stack.restartSigner(3, FAULTY_SIGNER_ENTRY, {
      nodeOptions: nodeOptionsFor(FAULTY_SIGNER_ENTRY),
      env: { FROSTMINT_TEST_FAULT: 'token-shares' },
    });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const readySigners = async () =>
    ((await (await fetch(`${stack.coordinatorUrl}/readyz`)).json()) as { signers: ReadySigner[] })
      .signers;

  /** Every entry up to the latest checkpoint, read from the tlog-tiles the coordinator serves. */
  async function loggedEntries(): Promise<Entry[]> {
    const note = await (await fetch(`${stack.coordinatorUrl}/audit/checkpoint`)).text();
    const { size } = parseCheckpoint(parseSignedNote(note).text);
    const entries: Entry[] = [];
    for (let index = 0; index * TILE_WIDTH < size; index++) {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const url = `${stack.coordinatorUrl}/audit/${tilePath({ kind: 'entries', index, width })}`;
      const bundle = decodeEntryBundle(new Uint8Array(await (await fetch(url)).arrayBuffer()));
      entries.push(...bundle!.map((e) => JSON.parse(Buffer.from(e).toString('utf8')) as Entry));
    }
    return entries;
  }

  it('logs the unused signing input, so the honest signers keep signing past the merge delay', async () => {
    const deadline = Date.now() + 20_000;
    let faulty = false;
    while (!faulty && Date.now() < deadline) {
      const answer = await mint(stack, DEMO);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      faulty = (await readySigners()).find((s) => s.id === 3)?.faultReason !== undefined;
    }
    expect(faulty).toBe(true);

    // Past the merge delay the honest signers still sign, and report themselves ready.
    await new Promise((r) => setTimeout(r, (MERGE_DELAY_SECONDS + 2) * 1000));
    for (let i = 0; i < 5; i++) {
      const answer = await mint(stack, DEMO);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    const honest = (await readySigners()).filter((s) => s.id !== 3);
    expect(honest.map((s) => s.ready)).toEqual([true, true]);

    // The replaced quorum's signing input is in the log, whole, under its own hash.
    let unused: Entry[] = [];
    const logged = Date.now() + 10_000;
    while (unused.length === 0 && Date.now() < logged) {
      unused = (await loggedEntries()).filter((e) => e.type === 'unused_signing');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(unused.length).toBeGreaterThan(0);
    for (const entry of unused) {
      const input = Buffer.from(entry.signing_input as string, 'base64url');
      expect(sha256Hex(input)).toBe(entry.signing_input_sha256);
      const claims = JSON.parse(
        Buffer.from(input.toString('ascii').split('.')[1]!, 'base64url').toString('utf8'),
      ) as { frostmint: { signers: number[] } };
      expect(entry).toMatchObject({ purpose: 'token', signers: claims.frostmint.signers });
      expect(claims.frostmint.signers).toContain(3);
    }
  });

  it("logs, from the signer's report, a token a coordinator got a share of and never logged", async () => {
    const jwks = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const policy = (await loadPolicyFiles(DEMO_POLICY)).id;
    const claims = devTokenClaims(stack.coordinatorUrl, policy, [1, 2]);
    const input = signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0]!.kid }, claims);
    // A coordinator that stops between signing and logging (or hides the token): signer 1
    // co-signed, and no entry holds the signing input.
    const { first } = await askToSign(stack, 1, input);
    expect('ok' in first, JSON.stringify(first)).toBe(true);
    const sha = sha256Hex(Buffer.from(input, 'latin1'));

    // The running coordinator logs it from signer 1's report; signer 1 never stops.
    const deadline = Date.now() + (MERGE_DELAY_SECONDS + 3) * 1000;
    while (Date.now() < deadline) {
      const answer = await mint(stack, DEMO);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const signer1 = (await readySigners()).find((s) => s.id === 1)!;
      expect(signer1.ready, JSON.stringify(signer1)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
    }
    const reported = (await loggedEntries()).filter((e) => e.type === 'unlogged_signing');
    expect(reported).toEqual([expect.objectContaining({ signer: 1, signing_input_sha256: sha })]);
    const metrics = await (await fetch(`${stack.coordinatorUrl}/metrics`)).text();
    expect(metrics).toContain('frostmint_audit_unlogged_signings_total{signer="1"} 1');
  });
});
