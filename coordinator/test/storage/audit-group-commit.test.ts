import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leafHash } from '@frostmint/core';
import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlExecutor } from '../../src/storage/executor.ts';
import { StoreError } from '../../src/storage/index.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { MIGRATIONS } from '../../src/storage/migrations.ts';
import { openPgliteDriver } from '../../src/storage/pglite-driver.ts';
import { openPostgresDriver } from '../../src/storage/postgres-driver.ts';
import { SqlAuditStore } from '../../src/storage/sql/audit-log.ts';

/** One coordinator's view of a database: the audit store and the raw executor under it. */
interface Opened {
  readonly audit: SqlAuditStore;
  readonly db: SqlExecutor;
}

/** A fresh database per test; `open` again reaches the same one (PostgreSQL only). */
interface Backend {
  readonly name: 'pglite' | 'postgres';
  fresh(): Promise<{ open(): Promise<Opened>; cleanup(): Promise<void> }>;
}

const NOW = Date.UTC(2026, 0, 1);

async function wrap(db: SqlExecutor): Promise<Opened> {
  await migrate(db, MIGRATIONS, new Date(NOW));
  return { db, audit: new SqlAuditStore({ db, now: () => new Date(NOW) }) };
}

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

const backends: Backend[] = [
  {
    name: 'pglite',
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'frostmint-groupcommit-'));
      const opened: Opened[] = [];
      return {
        async open() {
          // Durable (fsync on), as the coordinator runs it.
          const db = new SqlExecutor(await openPgliteDriver(join(dir, 'pglite')));
          opened.push(await wrap(db));
          return opened.at(-1)!;
        },
        async cleanup() {
          for (const o of opened) await o.db.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async fresh() {
      const url = await postgres!.createDatabase();
      const opened: Opened[] = [];
      return {
        async open() {
          const db = new SqlExecutor(openPostgresDriver({ url, maxConnections: 4 }));
          opened.push(await wrap(db));
          return opened.at(-1)!;
        },
        async cleanup() {
          for (const o of opened) await o.db.close();
        },
      };
    },
  },
];

/** An entry as `AuditLog.record` makes it: RFC 9162 §2.1.1 leaf hash over its JSON. */
function entry(tag: string) {
  const entryJson = JSON.stringify({ type: 'mint', jti: tag, at: new Date(NOW).toISOString() });
  return {
    leafHash: leafHash(Buffer.from(entryJson, 'utf8')),
    entryJson,
    createdAt: new Date(NOW),
  };
}

/** Holds the audit size row (PostgreSQL) / the only connection (PGlite) until released. */
async function holdAppends(db: SqlExecutor) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const done = db.transaction(async (tx) => {
    await tx.query('UPDATE audit_log_size SET size = size');
    locked();
    await gate;
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of backends) {
  describe(`audit group commit (${backend.name})`, () => {
    it('commits appends that arrive together in one transaction, in arrival order', async () => {
      const db = await backend.fresh();
      try {
        const { audit } = await db.open();
        const entries = Array.from({ length: 20 }, (_, i) => entry(`jti-${i}`));
        const indexes = await Promise.all(entries.map((e) => audit.append(e)));
        expect(indexes).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(audit.appendStats()).toEqual({ entries: 20, transactions: 1 });
        const stored = await audit.read(0, 20);
        // Same leaf bytes as one-at-a-time appends: the RFC 9162 leaf hash of each entry.
        expect(stored.map((l) => l.entryJson)).toEqual(entries.map((e) => e.entryJson));
        for (const l of stored) {
          expect(l.leafHash).toEqual(leafHash(Buffer.from(l.entryJson, 'utf8')));
        }
        expect(await audit.size()).toBe(20);
      } finally {
        await db.cleanup();
      }
    });

    it('answers each caller only after the transaction holding its entry committed', async () => {
      const db = await backend.fresh();
      try {
        const { audit, db: executor } = await db.open();
        const hold = await holdAppends(executor);
        const settled: number[] = [];
        // One append starts a transaction (blocked); the rest arrive later, while it waits.
        const first = audit.append(entry('first')).then((i) => {
          settled.push(i);
          return i;
        });
        await tick(20);
        const later = Array.from({ length: 10 }, (_, i) =>
          audit.append(entry(`later-${i}`)).then(async (index) => {
            settled.push(index);
            // Durable and visible to any reader the moment the caller hears of it.
            const { rows } = await executor.query<{ n: unknown }>(
              'SELECT count(*) AS n FROM audit_log WHERE idx = $1',
              [index],
            );
            return { index, visible: Number(rows[0]?.n) };
          }),
        );
        await tick(200);
        expect(settled).toEqual([]);
        await hold.release();
        expect(await first).toBe(0);
        const answers = await Promise.all(later);
        expect(answers.map((a) => a.index)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        expect(answers.every((a) => a.visible === 1)).toBe(true);
        // The first append alone, the ten that queued behind it together.
        expect(audit.appendStats()).toEqual({ entries: 11, transactions: 2 });
      } finally {
        await db.cleanup();
      }
    });

    it('fails every caller of a failed transaction and stores none of its entries', async () => {
      const db = await backend.fresh();
      try {
        const { audit, db: executor } = await db.open();
        expect(await audit.append(entry('before'))).toBe(0);
        // A row squatting index 3 (not counted in the size): the group's INSERT collides
        // on its third entry after the first two were written in the same transaction.
        await executor.query(
          'INSERT INTO audit_log (idx, leaf_hash, entry_json, created_at) VALUES ($1, $2, $3, $4)',
          [3, entry('squatter').leafHash, entry('squatter').entryJson, new Date(NOW)],
        );
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => audit.append(entry(`doomed-${i}`))),
        );
        expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
        for (const r of results) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
        }
        expect(await audit.size()).toBe(1);
        const { rows } = await executor.query<{ idx: unknown }>(
          'SELECT idx FROM audit_log ORDER BY idx',
        );
        expect(rows.map((r) => Number(r.idx))).toEqual([0, 3]);
        expect(audit.appendStats()).toEqual({ entries: 1, transactions: 1 });
        // The indexes were given back: the next group starts at 1 again, gap-free.
        const next = await Promise.all([audit.append(entry('a')), audit.append(entry('b'))]);
        expect(next).toEqual([1, 2]);
      } finally {
        await db.cleanup();
      }
    });

    if (backend.name === 'postgres') {
      it('keeps indexes contiguous across coordinators group-committing into one database', async () => {
        const db = await backend.fresh();
        try {
          const coordinators = [await db.open(), await db.open(), await db.open()];
          const appended = await Promise.all(
            coordinators.flatMap((c, k) =>
              Array.from({ length: 40 }, (_, i) =>
                c.audit.append(entry(`c${k}-${i}`)).then((index) => ({ index, tag: `c${k}-${i}` })),
              ),
            ),
          );
          const indexes = appended.map((a) => a.index).sort((a, b) => a - b);
          expect(indexes).toEqual(Array.from({ length: 120 }, (_, i) => i));
          const stored = await coordinators[0]!.audit.read(0, 120);
          for (const a of appended) {
            expect(JSON.parse(stored[a.index]!.entryJson).jti).toBe(a.tag);
          }
          // Each coordinator's own entries keep its submission order.
          for (const k of [0, 1, 2]) {
            const mine = appended.filter((a) => a.tag.startsWith(`c${k}-`)).map((a) => a.index);
            expect(mine).toEqual([...mine].sort((a, b) => a - b));
          }
          const txns = coordinators.reduce((n, c) => n + c.audit.appendStats().transactions, 0);
          expect(txns).toBeLessThan(120);
        } finally {
          await db.cleanup();
        }
      });
    }
  });
}
