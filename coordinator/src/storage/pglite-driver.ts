import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { SqlDriver, SqlResult } from './executor.ts';

/**
 * Opens (creating on first use) an embedded PGlite database in `dir`: PostgreSQL compiled
 * to WebAssembly, in this process, no server. PGlite is single-connection: statements and
 * transactions are serialized inside the instance, so one directory belongs to exactly one
 * coordinator process.
 *
 * @example
 * ```ts
 * const driver = await openPgliteDriver('/var/lib/frostmint/coordinator/pglite');
 * ```
 */
export async function openPgliteDriver(dir: string): Promise<SqlDriver> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dir);
  return {
    backend: 'pglite',
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: (sql, params) => run(tx, sql, params),
          exec: async (script) => {
            await tx.exec(script);
          },
        }),
      ),
    close: () => db.close(),
  };
}

type PgliteQuerier = Pick<PGlite, 'query'>;

async function run<Row>(
  db: PgliteQuerier,
  sql: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<Row>> {
  const result = await db.query<Row>(sql, [...params]);
  return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
}
