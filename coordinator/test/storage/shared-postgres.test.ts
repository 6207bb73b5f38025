import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CoordinatorStore,
  MIGRATIONS,
  openCoordinatorStore,
} from '../../src/storage/index.ts';
import {
  bytes,
  expectStoreError,
  MINUTE,
  newEnrollment,
  newMintRequest,
  settle,
  TestClock,
} from './conformance/harness.ts';

/** Two (or more) coordinators sharing one PostgreSQL database. */
describe('coordinators sharing one PostgreSQL', () => {
  let server: TestPostgres;
  let url: string;
  let clock: TestClock;
  const opened: CoordinatorStore[] = [];

  const coordinator = async (dbUrl = url) => {
    const store = await openCoordinatorStore({
      stateDir: '/nonexistent',
      storage: { backend: 'postgres', url: dbUrl, maxConnections: 5 },
      now: clock.now,
    });
    opened.push(store);
    return store;
  };

  /** Runs `fn` with a plain `pg` client on `dbUrl`, for what the store API cannot show. */
  const withClient = async <T>(dbUrl: string, fn: (client: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    clock = new TestClock();
    url = await server.createDatabase();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it("see each other's writes", async () => {
    const [a, b] = [await coordinator(), await coordinator()];
    const e = newEnrollment(clock);
    await a.enrollments.put(e);
    expect((await b.enrollments.get(e.credentialId))?.publicKey).toEqual(e.publicKey);

    const r = await b.mintRequests.create(newMintRequest(clock, { requiredApprovals: 2 }));
    expect((await a.mintRequests.listPending()).map((x) => x.id)).toEqual([r.id]);
    await a.approvals.add({
      requestId: r.id,
      guardianId: 'g1',
      signature: bytes(64),
      createdAt: clock.date(),
    });
    expect(
      await b.approvals.add({
        requestId: r.id,
        guardianId: 'g2',
        signature: bytes(64),
        createdAt: clock.date(),
      }),
    ).toBe(2);
    expect(
      (await a.mintRequests.transition(r.id, 'pending', 'approved', clock.date()))?.status,
    ).toBe('approved');
    expect((await b.mintRequests.get(r.id))?.status).toBe('approved');

    await a.challenges.create({
      challenge: 'c1',
      purpose: 'authentication',
      userId: e.userId,
      requestId: r.id,
      createdAt: clock.date(),
      expiresAt: clock.date(MINUTE),
    });
    expect((await b.challenges.consume('c1', 'authentication')).requestId).toBe(r.id);
    await expectStoreError(a.challenges.consume('c1', 'authentication'), 'store_challenge_unknown');

    expect(await a.replay.rememberOnce('oidc-jti', 'j1', clock.date(MINUTE))).toBe(true);
    expect(await b.replay.rememberOnce('oidc-jti', 'j1', clock.date(MINUTE))).toBe(false);
  });

  it('let exactly one coordinator win each compare-and-set status transition', async () => {
    const [a, b] = [await coordinator(), await coordinator()];
    for (let round = 0; round < 10; round++) {
      const r = await a.mintRequests.create(newMintRequest(clock));
      const { ok, failed } = await settle(
        [a, b, a, b].map((s) => s.mintRequests.transition(r.id, 'pending', 'minted', clock.date())),
      );
      expect(failed).toEqual([]);
      expect(ok.filter((x) => x !== null)).toHaveLength(1);
    }
  });

  it('consume each challenge and remember each key exactly once across coordinators', async () => {
    const [a, b] = [await coordinator(), await coordinator()];
    for (let round = 0; round < 10; round++) {
      const challenge = `race-${round}`;
      await a.challenges.create({
        challenge,
        purpose: 'approval',
        userId: null,
        requestId: null,
        createdAt: clock.date(),
        expiresAt: clock.date(MINUTE),
      });
      const consumed = await settle(
        [a, b, a, b].map((s) => s.challenges.consume(challenge, 'approval')),
      );
      expect(consumed.ok).toHaveLength(1);
      const remembered = await Promise.all(
        [a, b, a, b].map((s) => s.replay.rememberOnce('oidc-jti', challenge, clock.date(MINUTE))),
      );
      expect(remembered.filter(Boolean)).toHaveLength(1);
    }
  });

  it('count one guardian once and share rate limits across coordinators', async () => {
    const [a, b] = [await coordinator(), await coordinator()];
    const r = await a.mintRequests.create(newMintRequest(clock, { requiredApprovals: 2 }));
    const approvals = await settle(
      [a, b, a, b].map((s) =>
        s.approvals.add({
          requestId: r.id,
          guardianId: 'g1',
          signature: bytes(64),
          createdAt: clock.date(),
        }),
      ),
    );
    expect(approvals.ok).toEqual([1]);
    const hits = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).rateLimits.hit('mint:alice', MINUTE, 7)),
    );
    expect(hits.filter((h) => h.allowed)).toHaveLength(7);
  });

  it('give concurrent audit appends from two coordinators gap-free indexes', async () => {
    const [a, b] = [await coordinator(), await coordinator()];
    const append = (s: CoordinatorStore, n: number) =>
      s.audit.append({
        leafHash: bytes(32),
        entryJson: JSON.stringify({ n }),
        createdAt: clock.date(),
      });
    const indexes = await Promise.all(
      Array.from({ length: 50 }, (_, n) => append(n % 2 ? a : b, n)),
    );
    const all = Array.from({ length: 50 }, (_, i) => i);
    expect([...indexes].sort((x, y) => x - y)).toEqual(all);
    const leaves = await b.audit.read(0, 50);
    expect(leaves.map((l) => l.index)).toEqual(all);
    expect(
      leaves.map((l) => (JSON.parse(l.entryJson) as { n: number }).n).sort((x, y) => x - y),
    ).toEqual(all);
    expect(await a.audit.size()).toBe(50);
  });

  it('migrate once when several coordinators start at once', async () => {
    await Promise.all([coordinator(), coordinator(), coordinator(), coordinator()]);
    const rows = await withClient(
      url,
      async (c) =>
        (
          await c.query<{ version: number }>(
            'SELECT version FROM schema_migrations ORDER BY version',
          )
        ).rows,
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('refuse a schema newer than they know, or an edited migration', async () => {
    await coordinator();
    await withClient(url, (c) =>
      c.query(`INSERT INTO schema_migrations VALUES (999, 'future', 'x', now())`),
    );
    await expectStoreError(coordinator(), 'store_schema_too_new');
    const other = await server.createDatabase();
    await coordinator(other);
    await withClient(other, (c) => c.query(`UPDATE schema_migrations SET checksum = 'edited'`));
    await expectStoreError(coordinator(other), 'store_migration_modified');
  });

  it('keep the audit log append-only even for direct SQL', async () => {
    const a = await coordinator();
    await a.audit.append({ leafHash: bytes(32), entryJson: '{}', createdAt: clock.date() });
    await withClient(url, async (c) => {
      await expect(c.query(`UPDATE audit_log SET entry_json = '{"forged":true}'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(c.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      // The receipt-key table's foreign key refuses a plain TRUNCATE before the trigger runs;
      // with CASCADE the trigger refuses it.
      await expect(c.query('TRUNCATE audit_log')).rejects.toThrow(/foreign key|append-only/);
      await expect(c.query('TRUNCATE audit_log CASCADE')).rejects.toThrow(/append-only/);
    });
    expect((await a.audit.read(0, 1))[0]?.entryJson).toBe('{}');
  });

  it('fail with store_unavailable when the server is unreachable, without echoing the URL', async () => {
    const err = await coordinator('postgres://frostmint:s3cret-password@127.0.0.1:1/nope').catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('store_unavailable');
    expect(String((err as Error).message)).not.toContain('s3cret');
  });
});
