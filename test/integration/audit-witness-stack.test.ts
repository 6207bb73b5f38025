import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeEntryBundle, TILE_WIDTH, tilePath } from '@frostmint/coordinator';
import {
  consistencyProof,
  leafHash,
  noteVerifier,
  parseCheckpoint,
  parseSignedNote,
  type Receipt,
  verifierFromKey,
  verifyNote,
} from '@frostmint/core';
import { startLitewitness, type TestWitness } from '@frostmint/test-support/litewitness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, type RunningStack, startTestStack } from '../harness.ts';
import { testCheckpointing } from '../support/audit-config.ts';
import { runCli } from '../support/cli-process.ts';

const run = promisify(execFile);
const GO_PROGRAM = fileURLToPath(new URL('../interop/go-receipt/', import.meta.url));
const ORIGIN = 'stack.frostmint.local/audit';
const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

/**
 * The transparency log of a running stack with a real external witness: litewitness
 * (filippo.io/torchwood, key in an ssh-agent) configured in the coordinator's
 * `audit.witnesses`. The coordinator submits every quorum-signed checkpoint; the receipts
 * carry the witness's cosignature and verify with `frostmint audit verify`, with Go's
 * x/mod/sumdb/note + transparency-dev/merkle, and `frostmint audit monitor` accepts the log.
 * A second litewitness is fed the real checkpoints over HTTP and refuses a bad proof (422).
 */
describe('audit log of a running stack, witnessed by litewitness', { timeout: 300_000 }, () => {
  let work: string;
  let witness: TestWitness;
  let bystander: TestWitness;
  let stack: RunningStack;
  let groupKey: Uint8Array;
  let jwks: string;

  const receiptOf = async (jti: string, witnessed: boolean): Promise<Receipt> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${stack.coordinatorUrl}/v1/audit/receipts/${jti}`);
      if (res.status === 200) {
        const receipt = (await res.json()) as Receipt;
        const lines = parseSignedNote(receipt.checkpoint).signatures.length;
        if (!witnessed || lines >= 2) return receipt;
      } else {
        expect(res.status).toBe(409); // receipt_pending
      }
      if (Date.now() > deadline) throw new Error(`no witnessed receipt for ${jti}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-audit-stack-'));
    [witness, bystander] = await Promise.all([
      startLitewitness({ name: 'witness.test/stack' }),
      startLitewitness({ name: 'witness.test/bystander' }),
    ]);
    stack = await startTestStack({
      audit: {
        coordinator: {
          ...testCheckpointing(ORIGIN),
          witnessing: {
            witnesses: [{ name: witness.name, url: witness.url, key: witness.verifierKey }],
            minCosignatures: 1,
            timeoutMs: 5_000,
          },
        },
        signers: { origin: ORIGIN, maxMergeDelaySeconds: 10 },
      },
    });
    const body = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { x: string }[];
    };
    groupKey = new Uint8Array(Buffer.from(body.keys[0]!.x, 'base64url'));
    jwks = join(work, 'jwks.json');
    await writeFile(jwks, JSON.stringify(body));
    // The witness learns the log: its origin and the quorum's note key (the JWKS key).
    const logKey = noteVerifier(ORIGIN, groupKey).vkey;
    await Promise.all([witness.addLog(ORIGIN, logKey), bystander.addLog(ORIGIN, logKey)]);
  }, 300_000);
  afterAll(async () => {
    await stack?.dispose();
    await Promise.all([witness?.stop(), bystander?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the witness cosigns real checkpoints; the receipt verifies with the CLI and with Go', async () => {
    const minted = await mint(stack, DEMO);
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    const receipt = await receiptOf(minted.body.jti!, true);
    const note = verifyNote(receipt.checkpoint, [
      noteVerifier(ORIGIN, groupKey),
      verifierFromKey(witness.verifierKey),
    ]);
    expect(note.verified.map((s) => s.name)).toEqual([ORIGIN, witness.name]);
    const size = parseCheckpoint(note.text).size;
    const known = (await witness.listLogs()).find((l) => l.origin === ORIGIN)!;
    expect(known.size).toBeGreaterThanOrEqual(size);

    const receiptFile = join(work, 'receipt.json');
    const tokenFile = join(work, 'token.jwt');
    await writeFile(receiptFile, JSON.stringify(receipt));
    await writeFile(tokenFile, minted.body.token!);
    const cli = await runCli([
      'audit',
      'verify',
      '--receipt',
      receiptFile,
      '--token',
      tokenFile,
      '--jwks',
      jwks,
      '--origin',
      ORIGIN,
      '--witness',
      witness.verifierKey,
      '--format',
      'json',
    ]).done;
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      verified: true,
      witnesses: [witness.name],
      token_checked: true,
    });

    // Independent implementations (Go's sumdb note verifier, transparency-dev/merkle).
    const binary = join(work, 'go-receipt');
    await run('go', ['build', '-o', binary, '.'], {
      cwd: GO_PROGRAM,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      timeout: 280_000,
    });
    const go = await run(binary, [
      '-receipt',
      receiptFile,
      '-origin',
      ORIGIN,
      '-key',
      Buffer.from(groupKey).toString('base64'),
    ]);
    expect(JSON.parse(go.stdout)).toMatchObject({ ok: true, size, signers: [ORIGIN] });
  });

  it('frostmint audit monitor accepts the real log with the witness required', async () => {
    for (let i = 0; i < 3; i++) expect((await mint(stack, DEMO)).status).toBe(200);
    const r = await runCli([
      'audit',
      'monitor',
      '--coordinator',
      stack.coordinatorUrl,
      '--jwks',
      jwks,
      '--origin',
      ORIGIN,
      '--witness',
      witness.verifierKey,
      '--min-witnesses',
      '1',
      '--once',
      '--format',
      'json',
    ]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ consistent: true, witnesses: [witness.name] });
  });

  it('a witness fed real checkpoints over HTTP refuses an inconsistent proof (422)', async () => {
    const latest = async () => {
      const text = await (await fetch(`${stack.coordinatorUrl}/audit/checkpoint`)).text();
      return { note: text, size: parseCheckpoint(parseSignedNote(text).text).size };
    };
    const first = await latest();
    const post = (body: string) =>
      fetch(`${bystander.url}/add-checkpoint`, { method: 'POST', body });
    const accepted = await post(`old 0\n\n${first.note}`);
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    expect(await accepted.text()).toMatch(/^— witness\.test\/bystander /);

    const jti = (await mint(stack, DEMO)).body.jti!;
    const next = await receiptOf(jti, false).then(() => latest());
    expect(next.size).toBeGreaterThan(first.size);
    // The real consistency proof, from the log's own entries (read from the tiles).
    const leaves: Uint8Array[] = [];
    for (let index = 0; index * TILE_WIDTH < next.size; index++) {
      const width = Math.min(TILE_WIDTH, next.size - index * TILE_WIDTH);
      const url = `${stack.coordinatorUrl}/audit/${tilePath({ kind: 'entries', index, width })}`;
      const bundle = decodeEntryBundle(new Uint8Array(await (await fetch(url)).arrayBuffer()));
      leaves.push(...bundle!.map(leafHash));
    }
    const proof = consistencyProof(leaves, first.size).map((h) =>
      Buffer.from(h).toString('base64'),
    );
    const bad = [...proof];
    const flipped = Buffer.from(bad[0]!, 'base64');
    flipped[0]! ^= 1;
    bad[0] = flipped.toString('base64');
    const refused = await post(`old ${first.size}\n${bad.join('\n')}\n\n${next.note}`);
    expect(refused.status).toBe(422);
    const stale = await post(`old 0\n\n${next.note}`);
    expect(stale.status).toBe(409);
    expect(await stale.text()).toBe(`${first.size}\n`);
    const good = await post(`old ${first.size}\n${proof.join('\n')}\n\n${next.note}`);
    expect(good.status).toBe(200);
  });

  it('frostmint audit export copies the log to a directory, idempotently', async () => {
    const out = join(work, 'export');
    const exportTo = () =>
      runCli([
        'audit',
        'export',
        '--coordinator',
        stack.coordinatorUrl,
        '--jwks',
        jwks,
        '--origin',
        ORIGIN,
        '--out',
        out,
        '--format',
        'json',
      ]).done;
    const first = await exportTo();
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as { size: number; written: number; kept: number };
    expect(result.written).toBeGreaterThan(0);
    const copied = await readFile(join(out, 'checkpoint'), 'utf8');
    expect(parseCheckpoint(parseSignedNote(copied).text).size).toBe(result.size);
    // The copy carries the witness's cosignature like the served checkpoint.
    expect(verifyNote(copied, [verifierFromKey(witness.verifierKey)]).verified).toHaveLength(1);
    const width = Math.min(TILE_WIDTH, result.size);
    const bundle = await readFile(join(out, tilePath({ kind: 'entries', index: 0, width })));
    expect(decodeEntryBundle(new Uint8Array(bundle))).toHaveLength(width);
    const again = await exportTo();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ size: expect.any(Number) });
  });

  // Last: it stops the witness.
  it('with the witness down, a receipt stays pending: no receipt without the cosignatures the policy requires', async () => {
    await witness.stop();
    const minted = await mint(stack, DEMO);
    expect(minted.status, JSON.stringify(minted.body)).toBe(200);
    const jti = minted.body.jti!;
    // The quorum still checkpoints the entry; the served checkpoint has no witness line.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const checkpoint = await (await fetch(`${stack.coordinatorUrl}/audit/checkpoint`)).text();
      const entry = await fetch(`${stack.coordinatorUrl}/v1/audit/receipts/${jti}`);
      const answer = (await entry.json()) as { error?: string; message?: string };
      expect(entry.status, JSON.stringify(answer)).toBe(409);
      expect(answer.error).toBe('receipt_pending');
      if (/witness/.test(answer.message ?? '')) {
        expect(parseSignedNote(checkpoint).signatures).toHaveLength(1);
        break;
      }
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A mint asking to wait for its receipt gets its token, and no receipt.
    const waited = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
      },
      body: JSON.stringify({ ...DEMO, wait_for_receipt: 2 }),
    });
    const body = (await waited.json()) as { token?: string; receipt?: unknown };
    expect(waited.status).toBe(200);
    expect(body.token).toBeTruthy();
    expect(body.receipt).toBeNull();
  });
});
