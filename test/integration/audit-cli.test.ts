import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '@frostmint/client/cli-kit';
import { encodeEntryBundle, TILE_WIDTH, tilePath } from '@frostmint/coordinator';
import {
  cosignatureMessage,
  formatCheckpoint,
  formatSignedNote,
  inclusionProof,
  leafHash,
  NOTE_COSIGNATURE_V1,
  noteKeyId,
  noteSignature,
  treeHead,
} from '@frostmint/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';

/**
 * `frostmint audit verify | monitor | tail`, run as the real binary. Receipts are built here
 * from a log signed with a test group key (the stack-produced receipt is verified by the Go
 * interop test); the monitor is fed by a fake log server that plays the attacker: it shows two
 * inconsistent histories.
 */

const ORIGIN = 'audit-cli.frostmint.local/audit';
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJqNSJ9.c2lnbmF0dXJl';
const groupSecret = ed25519.utils.randomSecretKey();
const oldGroupSecret = ed25519.utils.randomSecretKey();
const witnessSecret = ed25519.utils.randomSecretKey();
const WITNESS = 'witness.test/w1';
const witnessVkey = (() => {
  const key = ed25519.getPublicKey(witnessSecret);
  const id = noteKeyId(WITNESS, NOTE_COSIGNATURE_V1, key).toString(16).padStart(8, '0');
  return `${WITNESS}+${id}+${Buffer.concat([Uint8Array.of(NOTE_COSIGNATURE_V1), key]).toString('base64')}`;
})();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function entries(n: number, tamperAt?: number): Buffer[] {
  return Array.from({ length: n }, (_, i) =>
    Buffer.from(
      JSON.stringify({
        type: 'mint',
        jti: `j${i}`,
        token_sha256: Buffer.from(sha256(Buffer.from(i === 5 ? TOKEN : `t${i}`))).toString('hex'),
        ...(i === tamperAt ? { scope: 'admin:*' } : {}),
      }),
    ),
  );
}

/** The signed checkpoint note of `log`, by the group (and optionally the witness). */
function signedCheckpoint(log: Buffer[], opts: { secret?: Uint8Array; witness?: boolean } = {}) {
  const secret = opts.secret ?? groupSecret;
  const text = formatCheckpoint({
    origin: ORIGIN,
    size: log.length,
    root: treeHead(log.map(leafHash)),
  });
  const signatures = [
    noteSignature(ORIGIN, ed25519.getPublicKey(secret), ed25519.sign(Buffer.from(text), secret)),
  ];
  if (opts.witness) {
    const time = BigInt(Math.floor(Date.now() / 1000));
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(time);
    const key = ed25519.getPublicKey(witnessSecret);
    signatures.push({
      name: WITNESS,
      keyId: noteKeyId(WITNESS, NOTE_COSIGNATURE_V1, key),
      signature: Buffer.concat([
        stamp,
        ed25519.sign(Buffer.from(cosignatureMessage(time, text)), witnessSecret),
      ]),
    });
  }
  return formatSignedNote({ text, signatures });
}

function receiptOf(
  log: Buffer[],
  index: number,
  opts: { secret?: Uint8Array; witness?: boolean } = {},
) {
  return {
    version: 1,
    log_index: index,
    entry: b64(log[index]!),
    inclusion_proof: inclusionProof(log.map(leafHash), index).map(b64),
    checkpoint: signedCheckpoint(log, opts),
  };
}

const jwk = (secret: Uint8Array, kid: string) => ({
  kty: 'OKP',
  crv: 'Ed25519',
  x: Buffer.from(ed25519.getPublicKey(secret)).toString('base64url'),
  kid,
});

describe('frostmint audit', { timeout: 120_000 }, () => {
  let work: string;
  const file = async (name: string, content: unknown) => {
    const path = join(work, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const audit = async (args: string[]) => runCli(['audit', ...args]).done;
  let jwks: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'frostmint-audit-cli-'));
    jwks = await file('jwks.json', { keys: [jwk(groupSecret, 'group')] });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe('verify', () => {
    const log = entries(7);
    const verify = async (receipt: unknown, extra: string[] = []) =>
      audit([
        'verify',
        '--receipt',
        await file(`r-${Math.random()}.json`, receipt),
        '--jwks',
        jwks,
        '--origin',
        ORIGIN,
        ...extra,
      ]);

    it('a receipt verifies offline, with its token and the required witness', async () => {
      const token = await file('token.jwt', `${TOKEN}\n`);
      const r = await verify(receiptOf(log, 5, { witness: true }), [
        '--token',
        token,
        '--witness',
        witnessVkey,
        '--format',
        'json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        verified: true,
        log_index: 5,
        tree_size: 7,
        witnesses: [WITNESS],
        token_checked: true,
        entry: { jti: 'j5' },
      });
    });

    const flips: [string, (r: ReturnType<typeof receiptOf>) => void, string][] = [
      ['entry', (r) => (r.entry = flipBase64(r.entry, 10)), 'receipt_inclusion_invalid'],
      [
        'proof',
        (r) => (r.inclusion_proof[1] = flipBase64(r.inclusion_proof[1]!, 3)),
        'receipt_inclusion_invalid',
      ],
      // The root line of the checkpoint text: the quorum signature no longer matches.
      ['checkpoint', (r) => (r.checkpoint = flipRoot(r.checkpoint)), 'receipt_signature_invalid'],
      [
        'signature',
        (r) => (r.checkpoint = flipSignature(r.checkpoint)),
        'receipt_signature_invalid',
      ],
    ];
    for (const [what, flip, code] of flips) {
      it(`one flipped byte in the ${what} fails: ${code}, exit 3`, async () => {
        const receipt = receiptOf(log, 5);
        flip(receipt);
        const r = await verify(receipt);
        expect(r.code, r.stderr).toBe(EXIT.refused);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(new RegExp(`^frostmint: ${code}: \\S.+\\n$`));
      });
    }

    it('another token, a missing witness, another origin: each fails with its own code', async () => {
      const other = await file('other.jwt', 'eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ4In0.c2ln');
      const cases: [string[], unknown, string][] = [
        [['--token', other], receiptOf(log, 5), 'receipt_entry_mismatch'],
        [['--witness', witnessVkey], receiptOf(log, 5), 'receipt_witnesses_missing'],
        [['--origin', 'elsewhere.example/audit'], receiptOf(log, 5), 'receipt_signature_invalid'],
      ];
      for (const [extra, receipt, code] of cases) {
        const r = await verify(receipt, extra);
        expect([code, r.code], r.stderr).toEqual([code, EXIT.refused]);
        expect(r.stderr).toContain(`frostmint: ${code}: `);
      }
    });

    it('key rollover: a receipt under the old group key verifies while the JWKS lists both', async () => {
      const receipt = receiptOf(log, 2, { secret: oldGroupSecret });
      expect((await verify(receipt)).code).toBe(EXIT.refused);
      const both = await file('both.json', {
        keys: [jwk(groupSecret, 'new'), jwk(oldGroupSecret, 'old')],
      });
      const r = await audit([
        'verify',
        '--receipt',
        await file('old.json', receipt),
        '--jwks',
        both,
        '--origin',
        ORIGIN,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('receipt verified: entry 2');
    });
  });

  describe('monitor and tail, against a log server', () => {
    let server: Server;
    let prefix: string;
    /** What the server shows, in turn: each checkpoint read moves to the next history. */
    let histories: { log: Buffer[]; note: string }[] = [];
    let shown = 0;
    const current = () => histories[Math.min(shown, histories.length - 1)]!;

    beforeAll(async () => {
      server = createServer((req, res) => {
        const path = (req.url ?? '').replace(/^\/audit\//, '');
        if (path === 'checkpoint') {
          const { note } = histories[Math.min(shown++, histories.length - 1)]!;
          res.end(note);
          return;
        }
        // Entry bundles of the history whose checkpoint was shown last.
        const { log } = histories[Math.min(shown - 1, histories.length - 1)] ?? current();
        for (let index = 0; index * TILE_WIDTH < log.length; index++) {
          const width = Math.min(TILE_WIDTH, log.length - index * TILE_WIDTH);
          if (path === tilePath({ kind: 'entries', index, width })) {
            res.end(encodeEntryBundle(log.slice(index * TILE_WIDTH, index * TILE_WIDTH + width)));
            return;
          }
        }
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      prefix = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const show = (...logs: Buffer[][]) => {
      histories = logs.map((log) => ({ log, note: signedCheckpoint(log) }));
      shown = 0;
    };
    const follow = (command: 'monitor' | 'tail', extra: string[] = []) =>
      audit([
        command,
        '--log',
        prefix,
        '--jwks',
        jwks,
        '--origin',
        ORIGIN,
        '--interval',
        '0.05',
        ...extra,
      ]);

    it('monitor follows a growing log, then detects a rewritten history: FORK, exit 19', async () => {
      // 5 entries, then an honest 9, then a 12-entry history where entry 2 was rewritten.
      show(entries(5), entries(9), entries(12, 2));
      const r = await follow('monitor');
      expect(r.code, r.stderr).toBe(EXIT.logInconsistent);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^checkpoint size 5 root \S+: consistent with 0 earlier/);
      expect(lines[1]).toMatch(/^checkpoint size 9 root \S+: consistent with 1 earlier/);
      expect(r.stderr).toMatch(
        /^frostmint: audit_fork_detected: FORK: checkpoint size 12 root \S+ is not consistent with checkpoint size 9 root \S+ seen before/m,
      );
    });

    it('monitor detects two different trees of the same size, and a smaller tree off the prefix', async () => {
      show(entries(9), entries(9, 4));
      const same = await follow('monitor', ['--format', 'json']);
      expect(same.code, same.stderr).toBe(EXIT.logInconsistent);
      expect(same.stderr).toContain('same size, another root');
      const [first, error] = same.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(first).toMatchObject({ size: 9, consistent: true });
      expect(error).toMatchObject({ error: 'audit_fork_detected', exitCode: EXIT.logInconsistent });

      show(entries(9), entries(4, 1));
      const smaller = await follow('monitor');
      expect(smaller.code, smaller.stderr).toBe(EXIT.logInconsistent);
      expect(smaller.stderr).toContain('not a prefix of the larger tree');
    });

    it('monitor refuses a checkpoint the quorum did not sign, and one missing its witness', async () => {
      histories = [
        { log: entries(3), note: signedCheckpoint(entries(3), { secret: oldGroupSecret }) },
      ];
      shown = 0;
      const unsigned = await follow('monitor', ['--once']);
      expect(unsigned.code, unsigned.stderr).toBe(EXIT.refused);
      expect(unsigned.stderr).toMatch(/^frostmint: note_unverified: /m);

      show(entries(3));
      const unwitnessed = await follow('monitor', [
        '--once',
        '--witness',
        witnessVkey,
        '--min-witnesses',
        '1',
      ]);
      expect(unwitnessed.code).toBe(EXIT.refused);
      expect(unwitnessed.stderr).toMatch(/^frostmint: checkpoint_witnesses_missing: /m);
    });

    it('tail --once prints the entries the checkpoint covers, verified', async () => {
      show(entries(6));
      const r = await follow('tail', ['--once', '--from', '3', '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as {
        size: number;
        entries: { index: number; entry: { jti: string } }[];
      };
      expect(doc.size).toBe(6);
      expect(doc.entries.map((e) => [e.index, e.entry.jti])).toEqual([
        [3, 'j3'],
        [4, 'j4'],
        [5, 'j5'],
      ]);
    });
  });
});

/** `text` (standard base64) with one bit of byte `at` flipped. */
function flipBase64(text: string, at: number): string {
  const bytes = Buffer.from(text, 'base64');
  bytes[at]! ^= 0x01;
  return bytes.toString('base64');
}

/** The checkpoint note with one bit of its root hash flipped. */
function flipRoot(note: string): string {
  const lines = note.split('\n');
  lines[2] = flipBase64(lines[2]!, 0);
  return lines.join('\n');
}

/** The checkpoint note with one bit of the quorum's signature flipped (after the key id). */
function flipSignature(note: string): string {
  return note.replace(
    /^(— \S+ )(\S+)$/m,
    (_, head: string, sig: string) => head + flipBase64(sig, 10),
  );
}
