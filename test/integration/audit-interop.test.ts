import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  formatCheckpoint,
  formatSignedNote,
  inclusionProof,
  leafHash,
  noteSignature,
  treeHead,
} from '@frostmint/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PROGRAM = fileURLToPath(new URL('../interop/go-receipt/', import.meta.url));

/**
 * Interop: a receipt checked by independent implementations — Go's
 * `golang.org/x/mod/sumdb/note` (the checksum database's signed-note verifier) for the
 * checkpoint and `github.com/transparency-dev/merkle` for the inclusion proof
 * (test/interop/go-receipt). Go is on every test machine; without it this test fails.
 */
describe('receipt interop with Go (x/mod/sumdb/note, transparency-dev/merkle)', {
  timeout: 300_000,
}, () => {
  let work: string;
  let binary: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-interop-'));
    binary = join(work, 'go-receipt');
    await run('go', ['version']).catch((err: Error) => {
      throw new Error(`Go is required for the interop test (install Go ≥ 1.26): ${err.message}`);
    });
    // Modules from the Go module proxy (pinned in go.mod/go.sum), cached after the first run.
    await run('go', ['build', '-o', binary, '.'], {
      cwd: PROGRAM,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      timeout: 280_000,
    });
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const goVerify = async (receipt: unknown, origin: string, key: Uint8Array) => {
    const path = join(work, `receipt-${Math.random()}.json`);
    await writeFile(path, JSON.stringify(receipt));
    const args = ['-receipt', path, '-origin', origin, '-key', Buffer.from(key).toString('base64')];
    return run(binary, args).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
  };

  describe('a receipt made with frostmint core', () => {
    const ORIGIN = 'interop.frostmint.local/audit';
    const secret = ed25519.utils.randomSecretKey();
    const key = ed25519.getPublicKey(secret);
    const log = Array.from({ length: 11 }, (_, i) => Buffer.from(JSON.stringify({ i })));
    const receipt = () => {
      const leaves = log.map(leafHash);
      const text = formatCheckpoint({ origin: ORIGIN, size: log.length, root: treeHead(leaves) });
      return {
        version: 1,
        log_index: 6,
        entry: log[6]!.toString('base64'),
        inclusion_proof: inclusionProof(leaves, 6).map((h) => Buffer.from(h).toString('base64')),
        checkpoint: formatSignedNote({
          text,
          signatures: [noteSignature(ORIGIN, key, ed25519.sign(Buffer.from(text), secret))],
        }),
      };
    };

    it('verifies in Go', async () => {
      const r = await goVerify(receipt(), ORIGIN, key);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, size: 11, log_index: 6 });
    });

    it('Go refuses a flipped entry byte and another key', async () => {
      const flipped = receipt();
      const bytes = Buffer.from(flipped.entry, 'base64');
      bytes[0]! ^= 1;
      flipped.entry = bytes.toString('base64');
      const bad = await goVerify(flipped, ORIGIN, key);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/inclusion proof/);
      const other = await goVerify(
        receipt(),
        ORIGIN,
        ed25519.getPublicKey(ed25519.utils.randomSecretKey()),
      );
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/checkpoint note/);
    });
  });
});
