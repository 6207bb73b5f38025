/**
 * Migration `audit_receipt_keys` (issue 14) on PGlite: audit entries written before it —
 * mints and enrollments without the new fields — are found by their `jti` / `cert_id`
 * afterwards, their bytes untouched (the log is never updated), and new appends are keyed in
 * the same transaction.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, leafHash } from '@frostmint/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqlExecutor } from '../../src/storage/executor.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { MIGRATIONS } from '../../src/storage/migrations.ts';
import { openPgliteDriver } from '../../src/storage/pglite-driver.ts';
import { SqlAuditStore } from '../../src/storage/sql/audit-log.ts';

const VERSION = MIGRATIONS.findIndex((m) => m.name === 'audit_receipt_keys') + 1;
const OLD = [
  { type: 'mint', jti: 'old-jti', sub: 'alice', policy: 'sha256:00', signers: [1, 2] },
  { type: 'denial', sub: 'mallory', reasons: ['scope_not_permitted'] },
  { type: 'enrollment', cert_id: 'old-cert', sub: 'carol', signers: [1, 3] },
  { type: 'signer_refusal', request: 'old-jti', signer: 3, rpc: 'sign', code: 'slow' },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frostmint-receipt-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('keys the entries written before it, leaves them unchanged, and keys new appends', async () => {
  const db = new SqlExecutor(await openPgliteDriver(join(dir, 'pglite')));
  try {
    const at = new Date(Date.UTC(2026, 0, 1));
    await migrate(db, MIGRATIONS.slice(0, VERSION - 1), at);
    // Rows as the store wrote them before this version (today's append also writes keys).
    for (const [idx, entry] of OLD.entries()) {
      const entryJson = canonicalJson(entry);
      await db.query(
        'INSERT INTO audit_log (idx, leaf_hash, entry_json, created_at) VALUES ($1, $2, $3, $4)',
        [idx, leafHash(Buffer.from(entryJson)), entryJson, at],
      );
    }
    await db.query('UPDATE audit_log_size SET size = $1', [OLD.length]);
    const rows = await new SqlAuditStore({ db, now: () => at }).read(0, OLD.length);
    expect(await migrate(db, MIGRATIONS.slice(0, VERSION), at)).toEqual([VERSION]);
    const audit = new SqlAuditStore({ db, now: () => at });
    expect(await audit.read(0, OLD.length)).toEqual(rows);
    expect((await audit.findByKey('old-jti'))?.index).toBe(0);
    expect((await audit.findByKey('old-cert'))?.index).toBe(2);
    expect(await audit.findByKey('mallory')).toBeNull();
    const entryJson = canonicalJson({ type: 'mint', jti: 'new-jti' });
    const index = await audit.append({
      leafHash: leafHash(Buffer.from(entryJson)),
      entryJson,
      createdAt: at,
      key: 'new-jti',
    });
    expect(await audit.findByKey('new-jti')).toMatchObject({ index, entryJson, key: 'new-jti' });
  } finally {
    await db.close();
  }
});
