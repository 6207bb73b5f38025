/**
 * Migration 4 (`request_kinds`) on both backends: rows written before it — when the flow of
 * a row was inferred from its content — get the kind that inference gave, the column then
 * takes only the four kinds, and the store decodes each row once into its tagged union.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequest, requestOfKind } from '../../src/requests/kinds.ts';
import { type SqlDriver, SqlExecutor } from '../../src/storage/executor.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { MIGRATIONS } from '../../src/storage/migrations.ts';
import { openPgliteDriver } from '../../src/storage/pglite-driver.ts';
import { openPostgresDriver } from '../../src/storage/postgres-driver.ts';
import { SqlMintRequestStore } from '../../src/storage/sql/mint-requests.ts';
import type { JsonObject } from '../../src/storage/store.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = { alg: 'EdDSA', typ: 'at+jwt', kid: 'kid-1' };
const TOKEN = {
  iss: 'https://frostmint.test',
  sub: 'alice@example.com',
  aud: 'deploy-api',
  scope: 'deploy:prod',
  iat: 1_000,
  nbf: 1_000,
  exp: 1_600,
  jti: 'jti-1',
  client_id: 'frostmint-cli',
  frostmint: { signers: [1, 2], policy: 'sha256:p' },
};
const ENROLLMENT = {
  v: 1,
  cert_id: 'Y2VydC0xLWNlcnQtMS1jZXJ0',
  sub: 'carol@example.com',
  roles: ['releaser'],
  iat: 1_000,
  exp: 87_400,
  kid: 'kid-1',
};
const PENDING = {
  requester: {
    subject: 'repo:acme/app:ref:refs/heads/main',
    clientId: 'frostmint-oidc',
    amr: ['oidc'],
    policy: { kind: 'ci', subject: 'repo:acme/app:ref:refs/heads/main', roles: [], amr: ['oidc'] },
    evidence: { kind: { $case: 'oidc', value: { idToken: 'x' } } },
  },
  body: { scope: ['deploy:prod'], audience: 'deploy-api' },
  header: HEADER,
  ttl: 600,
  secretSha256: 'a'.repeat(64),
};

/** The four flows as a version-3 coordinator wrote them: kind 'token' or 'enrollment'. */
const LEGACY: [id: string, kind: string, claims: unknown, evidence: unknown, expected: string][] = [
  ['two-step', 'token', TOKEN, null, 'tap_mint'],
  ['one-step', 'token', { ...TOKEN, jti: 'jti-2' }, PENDING, 'polled_mint'],
  ['enroll', 'enrollment', ENROLLMENT, null, 'enrollment'],
  [
    'renew',
    'enrollment',
    {
      ...ENROLLMENT,
      cert_id: 'Y2VydC0yLWNlcnQtMi1jZXJ0',
      credential_id: 'cred-1',
      public_key: 'cGs',
    },
    null,
    'renewal',
  ],
];

/** Inserts a row the way a version-3 coordinator does: without `request_kind`. */
async function insertLegacy(
  db: SqlExecutor,
  at: Date,
  [id, kind, claims, evidence]: (typeof LEGACY)[number],
) {
  await db.query(
    `INSERT INTO mint_requests (id, requester, kind, signing_input, claims, decision,
           justification, required_approvals, status, status_reason, evidence, created_at,
           updated_at, expires_at)
         VALUES ($1, 'someone', $2, $3, $4::text::jsonb, '{}'::jsonb, NULL, 0, 'pending', NULL,
           $5::text::jsonb, $6, $6, $7)`,
    [
      id,
      kind,
      `${b64(HEADER)}.${b64(claims)}`,
      JSON.stringify(claims),
      evidence === null ? null : JSON.stringify(evidence),
      at,
      new Date(at.getTime() + 60_000),
    ],
  );
}

async function backfills(driver: SqlDriver) {
  const db = new SqlExecutor(driver);
  try {
    const at = new Date(Date.UTC(2001, 0, 1));
    expect(await migrate(db, MIGRATIONS.slice(0, 3), at)).toEqual([1, 2, 3]);
    for (const legacy of LEGACY) await insertLegacy(db, at, legacy);
    expect(await migrate(db, MIGRATIONS.slice(0, 4), at)).toEqual([4]);
    const requests = new SqlMintRequestStore({ db, now: () => at });
    for (const [id, , , , expected] of LEGACY) {
      const row = await requests.get(id);
      expect([id, row?.kind]).toEqual([id, expected]);
      expect(decodeRequest(row!).kind).toBe(expected);
    }
    const renewal = requestOfKind(await requests.get('renew'), 'renewal', 'none');
    expect(renewal.body.credential_id).toBe('cred-1');
    const polled = requestOfKind(await requests.get('one-step'), 'polled_mint', 'none');
    expect(polled.pending.secretSha256).toBe('a'.repeat(64));
    // A row of one kind is not found as another.
    expect(() =>
      requestOfKind(renewal.row, 'enrollment', 'no enrollment request renew'),
    ).toThrowError(expect.objectContaining({ code: 'request_not_found', status: 404 }));
    // The previous release, still running beside this one, writes rows without the kind:
    // they get it all the same.
    for (const [id, ...rest] of LEGACY) await insertLegacy(db, at, [`${id}-old`, ...rest]);
    for (const [id, , , , expected] of LEGACY) {
      expect((await requests.get(`${id}-old`))?.kind).toBe(expected);
    }
    // This release writes the kind and, for the previous release, what the row mints.
    const created = await requests.create({
      id: 'new-renewal',
      requester: 'carol@example.com',
      kind: 'renewal',
      signingInput: '{}',
      claims: LEGACY[3]![2] as JsonObject,
      decision: {},
      justification: null,
      requiredApprovals: 0,
      createdAt: at,
      expiresAt: new Date(at.getTime() + 60_000),
    });
    expect(created.kind).toBe('renewal');
    const { rows } = await db.query<{ kind: string }>(
      `SELECT kind FROM mint_requests WHERE id = 'new-renewal'`,
    );
    expect(rows[0]?.kind).toBe('enrollment');
    // The column takes the four kinds only.
    await expect(
      db.query(`UPDATE mint_requests SET request_kind = 'token' WHERE id = 'two-step'`),
    ).rejects.toThrow();
  } finally {
    await db.close();
  }
}

describe('migration 4: explicit request kinds', () => {
  it('backfills and constrains the kinds on PGlite', async () => {
    const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kinds-'));
    try {
      await backfills(await openPgliteDriver(dir, { durable: false }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL', () => {
    let server: TestPostgres;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('backfills and constrains the kinds on PostgreSQL', async () => {
      await backfills(
        openPostgresDriver({ url: await server.createDatabase(), maxConnections: 2 }),
      );
    });
  });
});
