import { createHash } from 'node:crypto';
import { StoreError } from './errors.ts';
import type { SqlExecutor } from './executor.ts';
import type { Migration } from './migrations.ts';
import { toInt } from './sql/values.ts';

/**
 * Advisory-lock key serializing migrations across coordinators ("frostmig" in ASCII).
 * Passed as text: a JavaScript number cannot hold it exactly.
 */
const MIGRATION_LOCK_KEY = '7382085280878913895';

/**
 * Brings the schema up to date, in one transaction, under a PostgreSQL advisory lock: when
 * several coordinators start at once, one migrates and the others wait, then find nothing
 * left to do. Applied versions are recorded in `schema_migrations` with the SHA-256 of their
 * text. Refuses to run against a database that a newer coordinator has migrated
 * (`store_schema_too_new`) or whose applied migrations differ from ours
 * (`store_migration_modified`). Returns the versions it applied.
 *
 * @example
 * ```ts
 * const applied = await migrate(db, MIGRATIONS, new Date());
 * // [1, 2] on an empty database, [] afterwards
 * ```
 */
export async function migrate(
  db: SqlExecutor,
  migrations: readonly Migration[],
  now: Date,
): Promise<number[]> {
  assertOrdered(migrations);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL
    )`);
    const { rows } = await tx.query<{ version: unknown; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    const applied = new Set<number>();
    for (const row of rows) {
      const version = toInt(row.version);
      const migration = migrations[version - 1];
      if (migration === undefined) {
        throw new StoreError(
          'store_schema_too_new',
          `the database schema is at version ${version}, newer than this coordinator knows ` +
            `(${migrations.length}); upgrade the coordinator`,
        );
      }
      if (checksum(migration) !== row.checksum) {
        throw new StoreError(
          'store_migration_modified',
          `applied migration ${version} (${migration.name}) differs from this coordinator's copy`,
        );
      }
      applied.add(version);
    }
    const fresh: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)',
        [migration.version, migration.name, checksum(migration), now],
      );
      fresh.push(migration.version);
    }
    return fresh;
  });
}

function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new StoreError(
        'store_invalid_argument',
        `migration ${migration.name} has version ${migration.version}, expected ${i + 1}`,
      );
    }
  });
}
