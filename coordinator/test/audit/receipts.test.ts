import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  formatCheckpoint,
  formatSignedNote,
  noteSignature,
  parseCheckpoint,
  parseSignedNote,
  treeHead,
  verifyReceipt,
} from '@frostmint/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { sha256Hex } from '../../src/audit/entry-digests.ts';
import { LogTiles } from '../../src/audit/log-tiles.ts';
import { LogTree } from '../../src/audit/log-tree.ts';
import { Receipts } from '../../src/audit/receipts.ts';
import { type TileId, tilePath, verifyTiles } from '../../src/audit/tiles.ts';
import { registerAuditRoutes } from '../../src/http/audit-routes.ts';
import { replyWithError } from '../../src/http/errors.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';

const ORIGIN = 'frostmint.local/audit';
const secret = ed25519.utils.randomSecretKey();
const groupKey = ed25519.getPublicKey(secret);

/** Stands in for the quorum checkpointer: signs the store's current tree head as a note. */
async function checkpoint(store: CoordinatorStore): Promise<number> {
  const size = await store.audit.size();
  const leaves = await store.audit.read(0, size);
  const root = treeHead(leaves.map((l) => l.leafHash));
  const text = formatCheckpoint({ origin: ORIGIN, size, root });
  const signature = ed25519.sign(Buffer.from(text), secret);
  const note = formatSignedNote({ text, signatures: [noteSignature(ORIGIN, groupKey, signature)] });
  await store.audit.putCheckpoint({
    treeSize: size,
    rootHash: root,
    signed: Buffer.from(note),
    createdAt: new Date(),
  });
  return size;
}

function mint(audit: AuditLog, jti: string, token: string) {
  return audit.record({
    type: 'mint',
    jti,
    sub: 'alice',
    aud: 'deploy-api',
    scope: 'deploy:canary',
    exp: 2_000_000_000,
    policy: 'sha256:00',
    signers: [1, 2],
    token_sha256: sha256Hex(token),
    signing_input_sha256: sha256Hex(token.split('.').slice(0, 2).join('.')),
    evidence: [{ kind: 'oidc', sha256: sha256Hex('id-token') }],
    approvals: [],
  });
}

describe('receipts and tiles from the store', () => {
  let dir: string;
  let store: CoordinatorStore;
  let audit: AuditLog;
  let receipts: Receipts;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-receipts-'));
    store = await openCoordinatorStore({ stateDir: dir });
    audit = new AuditLog(store.audit);
    const tree = new LogTree(store.audit);
    receipts = new Receipts({ store: store.audit, tree, pollMs: 10 });
    app = Fastify();
    app.setErrorHandler(replyWithError);
    registerAuditRoutes(app, { receipts, tiles: new LogTiles(store.audit, tree) });
  });
  afterAll(async () => {
    receipts.close();
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers receipt_not_found, then receipt_pending until a checkpoint covers the entry, then a receipt that verifies', async () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJqLTEifQ.c2ln';
    const missing = await app.inject({ method: 'GET', url: '/v1/audit/receipts/j-1' });
    expect([missing.statusCode, missing.json().error]).toEqual([404, 'receipt_not_found']);
    await mint(audit, 'j-1', token);
    const pending = await app.inject({ method: 'GET', url: '/v1/audit/receipts/j-1' });
    expect([pending.statusCode, pending.json().error]).toEqual([409, 'receipt_pending']);
    expect(pending.headers['retry-after']).toBe('1');
    expect((await app.inject({ method: 'GET', url: '/audit/checkpoint' })).json().error).toBe(
      'checkpoint_missing',
    );
    await checkpoint(store);
    const answer = await app.inject({ method: 'GET', url: '/v1/audit/receipts/j-1' });
    expect(answer.statusCode).toBe(200);
    const verified = verifyReceipt(answer.json(), {
      groupPublicKeys: [groupKey],
      origin: ORIGIN,
      token,
    });
    expect(verified.entry).toMatchObject({
      type: 'mint',
      jti: 'j-1',
      token_sha256: sha256Hex(token),
    });
    expect(() =>
      verifyReceipt(answer.json(), {
        groupPublicKeys: [groupKey],
        origin: ORIGIN,
        token: `${token}x`,
      }),
    ).toThrow(expect.objectContaining({ code: 'receipt_entry_mismatch' }));
  });

  it('waits for the next checkpoint (bounded), and gives the receipt of an older entry against the latest checkpoint', async () => {
    for (let i = 0; i < 300; i++) await mint(audit, `bulk-${i}`, `t.${i}.s`);
    expect(await receipts.awaitReceipt('bulk-299', 50)).toBeNull();
    const waiting = receipts.awaitReceipt('bulk-299', 5_000);
    await checkpoint(store);
    const receipt = await waiting;
    expect(receipt).not.toBeNull();
    const size = parseCheckpoint(parseSignedNote(receipt!.checkpoint).text).size;
    expect(size).toBe(await store.audit.size());
    const old = await receipts.receipt('j-1');
    expect(old.log_index).toBe(0);
    expect(
      verifyReceipt(old, { groupPublicKeys: [groupKey], origin: ORIGIN }).checkpoint.size,
    ).toBe(size);
  });

  it('serves the tiles of the latest checkpoint with tlog-tiles caching; their tree head is the checkpoint root', async () => {
    const note = await app.inject({ method: 'GET', url: '/audit/checkpoint' });
    expect(note.headers['content-type']).toBe('text/plain; charset=utf-8');
    const { size, root } = parseCheckpoint(parseSignedNote(note.body).text);
    const headers = new Map<string, string | undefined>();
    const read = async (tile: TileId) => {
      const answer = await app.inject({ method: 'GET', url: `/audit/${tilePath(tile)}` });
      expect(answer.statusCode, tilePath(tile)).toBe(200);
      headers.set(tilePath(tile), answer.headers['cache-control'] as string | undefined);
      return answer.rawPayload;
    };
    const result = await verifyTiles(size, read);
    expect('root' in result && Buffer.from(result.root)).toEqual(Buffer.from(root));
    expect(headers.get('tile/0/000')).toContain('immutable');
    expect(headers.get('tile/entries/000')).toContain('immutable');
    expect(headers.get(`tile/0/001.p/${size - 256}`)).not.toContain('immutable');
    const gzipped = await app.inject({
      method: 'GET',
      url: '/audit/tile/entries/000',
      headers: { 'accept-encoding': 'gzip, identity' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload)).toEqual(
      await read({ kind: 'entries', index: 0, width: 256 }),
    );
    // Nothing beyond the checkpoint, nothing malformed.
    await mint(audit, 'late', 'l.a.te');
    for (const url of [
      `/audit/tile/0/001.p/${size - 255}`,
      '/audit/tile/entries/002',
      '/audit/tile/0/0001',
      '/audit/tile/0/x000/001',
    ]) {
      const answer = await app.inject({ method: 'GET', url });
      expect([answer.statusCode, answer.json().error], url).toEqual([404, 'tile_not_found']);
    }
  });

  it('refuses to serve from a log whose stored entry was rewritten under its checkpoint', async () => {
    // An attacker with database access rewrites an entry (bypassing the append-only trigger).
    await store.close();
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(join(dir, 'pglite'));
    await db.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await db.exec(
      `UPDATE audit_log SET entry_json = replace(entry_json, 'alice', 'mallo') WHERE idx = 5`,
    );
    await db.close();
    store = await openCoordinatorStore({ stateDir: dir });
    const tree = new LogTree(store.audit);
    const fresh = new Receipts({ store: store.audit, tree });
    await expect(fresh.receipt('bulk-0')).rejects.toMatchObject({ code: 'audit_log_inconsistent' });
    const tiles = new LogTiles(store.audit, tree);
    await expect(
      tiles.tile({ kind: 'hashes', level: 0, index: 0, width: 256 }),
    ).rejects.toMatchObject({
      code: 'audit_log_inconsistent',
    });
  });
});
