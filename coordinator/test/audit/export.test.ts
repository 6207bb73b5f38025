import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  formatCheckpoint,
  formatSignedNote,
  noteSignature,
  noteVerifier,
  parseCheckpoint,
  parseSignedNote,
  treeHead,
} from '@frostmint/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { directoryTarget } from '../../src/audit/export/directory-target.ts';
import { ExportError, exportLog } from '../../src/audit/export/export-log.ts';
import { s3Target } from '../../src/audit/export/s3-target.ts';
import type { ExportTarget } from '../../src/audit/export/target.ts';
import { LogTiles } from '../../src/audit/log-tiles.ts';
import { LogTree } from '../../src/audit/log-tree.ts';
import { type TileId, tilePath, verifyTiles } from '../../src/audit/tiles.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';
import { type S3Fake, startS3Fake } from './s3fake.ts';

const ORIGIN = 'frostmint.local/audit';
const secret = ed25519.utils.randomSecretKey();
const groupKey = ed25519.getPublicKey(secret);
const verifiers = [noteVerifier(ORIGIN, groupKey)];

async function checkpoint(store: CoordinatorStore): Promise<void> {
  const size = await store.audit.size();
  const leaves = await store.audit.read(0, size);
  const root = treeHead(leaves.map((l) => l.leafHash));
  const text = formatCheckpoint({ origin: ORIGIN, size, root });
  const note = formatSignedNote({
    text,
    signatures: [noteSignature(ORIGIN, groupKey, ed25519.sign(Buffer.from(text), secret))],
  });
  await store.audit.putCheckpoint({
    treeSize: size,
    rootHash: root,
    signed: Buffer.from(note),
    createdAt: new Date(),
  });
}

async function append(audit: AuditLog, n: number, from: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      audit.record({
        type: 'denial',
        sub: `user-${from + i}`,
        aud: 'deploy-api',
        scope: 'deploy:prod',
        policy: 'sha256:00',
        reasons: ['scope_not_permitted'],
      }),
    ),
  );
}

/** Reads the exported copy back as a tlog-tiles client would and recomputes its root. */
async function verifyCopy(target: ExportTarget): Promise<{ size: number; ok: boolean }> {
  const note = (await target.read('checkpoint'))!;
  const { size, root } = parseCheckpoint(parseSignedNote(note).text);
  const result = await verifyTiles(
    size,
    async (tile: TileId) => (await target.read(tilePath(tile)))!,
  );
  return { size, ok: 'root' in result && Buffer.from(result.root).equals(Buffer.from(root)) };
}

describe('exportLog', () => {
  let dir: string;
  let store: CoordinatorStore;
  let audit: AuditLog;
  let source: LogTiles;
  let s3: S3Fake;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-export-'));
    store = await openCoordinatorStore({ stateDir: join(dir, 'state') });
    audit = new AuditLog(store.audit);
    source = new LogTiles(store.audit, new LogTree(store.audit));
    s3 = await startS3Fake(dir, 'audit-worm');
  }, 300_000);
  afterAll(async () => {
    await s3?.stop();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a directory that verifies, resumes without rewriting a full tile, and is idempotent', async () => {
    const out = join(dir, 'export');
    const target = directoryTarget(out);
    await expect(exportLog({ source, target })).rejects.toMatchObject({
      code: 'export_source_invalid',
    });
    await append(audit, 300, 0);
    await checkpoint(store);
    const first = await exportLog({ source, target, verifiers });
    // 300 leaves: full tile 0 + bundle 0, partial tile 0/001.p/44 + bundle, level-1 partial, checkpoint.
    expect(first).toEqual({ size: 300, written: 6, kept: 0 });
    expect(await verifyCopy(target)).toEqual({ size: 300, ok: true });
    expect((await stat(join(out, 'tile/0/000'))).mode & 0o777).toBe(0o444);
    expect(await exportLog({ source, target, verifiers })).toEqual({
      size: 300,
      written: 0,
      kept: 0,
    });

    await append(audit, 300, 300);
    await checkpoint(store);
    const events: string[] = [];
    const second = await exportLog({
      source,
      target,
      verifiers,
      onProgress: (e) => events.push(`${e.action} ${e.path}`),
    });
    expect(second).toMatchObject({ size: 600, kept: 2 });
    expect(events).toContain('kept tile/0/000');
    expect(events).toContain('written tile/0/001');
    expect(await verifyCopy(target)).toEqual({ size: 600, ok: true });
  });

  it('refuses a checkpoint not signed by the quorum key, and a target whose full tile differs (never overwritten)', async () => {
    const other = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    const out = join(dir, 'forked');
    await expect(
      exportLog({ source, target: directoryTarget(out), verifiers: [noteVerifier(ORIGIN, other)] }),
    ).rejects.toMatchObject({ code: 'export_source_invalid' });
    // A WORM copy of another history: its full tile must stay as it is, and the export stop.
    await exportLog({ source, target: directoryTarget(out), verifiers });
    const tile = join(out, 'tile/entries/000');
    const forged = Buffer.from(await readFile(tile));
    forged.writeUInt8(forged.readUInt8(5) ^ 1, 5);
    await chmod(tile, 0o644);
    await writeFile(tile, forged);
    await rm(join(out, 'checkpoint'));
    const err = await exportLog({ source, target: directoryTarget(out), verifiers }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExportError);
    expect(err).toMatchObject({ code: 'export_conflict' });
    expect(await readFile(tile)).toEqual(forged);
    await expect(readFile(join(out, 'checkpoint'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('says where it stopped when the target fails, and a rerun completes the export', async () => {
    const out = join(dir, 'flaky');
    const real = directoryTarget(out);
    let writes = 0;
    const flaky: ExportTarget = {
      ...real,
      write: async (path, bytes, opts) => {
        if (++writes === 3) throw new Error('disk full');
        await real.write(path, bytes, opts);
      },
    };
    const err = (await exportLog({ source, target: flaky }).catch(
      (e: unknown) => e,
    )) as ExportError;
    expect(err.code).toBe('export_target_failed');
    expect(err.progress).toMatchObject({
      size: 600,
      written: 2,
      stoppedAt: expect.stringMatching(/^tile\//),
    });
    expect(await real.read('checkpoint')).toBeUndefined();
    const rerun = await exportLog({ source, target: real, verifiers });
    expect(rerun.kept).toBeGreaterThan(0);
    expect(await verifyCopy(real)).toEqual({ size: 600, ok: true });
  });

  it('exports to an S3 bucket (gofakes3 over the S3 protocol), resumable and idempotent', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const target = s3Target({ client, bucket: 'audit-worm', prefix: 'frostmint/' });
    const first = await exportLog({ source, target, verifiers });
    expect(first.size).toBe(600);
    expect(await verifyCopy(target)).toEqual({ size: 600, ok: true });
    const object = await client.send(
      new GetObjectCommand({ Bucket: 'audit-worm', Key: 'frostmint/tile/0/000' }),
    );
    expect(object.ContentType).toBe('application/octet-stream');
    expect(await exportLog({ source, target, verifiers })).toEqual({
      size: 600,
      written: 0,
      kept: 0,
    });
    await append(audit, 10, 600);
    await checkpoint(store);
    expect(await exportLog({ source, target, verifiers })).toMatchObject({ size: 610, kept: 4 });
    expect(await verifyCopy(target)).toEqual({ size: 610, ok: true });
    client.destroy();
  });
});
