import pg from 'pg';
import { type StoreError, toStoreError } from './errors.ts';
import type { SqlDriver, SqlResult } from './executor.ts';

/** Options of the PostgreSQL driver. */
export interface PostgresDriverOptions {
  /** `postgres://user@host:port/db`; put the password in PGPASSWORD or ~/.pgpass, not here. */
  readonly url: string;
  /** Pool size of this coordinator. */
  readonly maxConnections: number;
  /** Called with errors of idle pooled connections (the next query surfaces them anyway). */
  readonly onIdleError?: (err: StoreError) => void;
}

/**
 * Connects a `pg` pool to a PostgreSQL server shared by every coordinator. Nothing is sent
 * until the first query; the URL is never logged.
 *
 * @example
 * ```ts
 * const driver = openPostgresDriver({ url: 'postgres://frostmint@db:5432/frostmint', maxConnections: 10 });
 * ```
 */
export function openPostgresDriver(options: PostgresDriverOptions): SqlDriver {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    connectionTimeoutMillis: 10_000,
    application_name: 'frostmint-coordinator',
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => options.onIdleError?.(toStoreError(err)));
  return {
    backend: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: (sql, params) => run(client, sql, params),
          exec: async (script) => {
            await client.query(script); // no parameters: the simple protocol runs every statement
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function run<Row>(
  querier: pg.Pool | pg.PoolClient,
  sql: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<Row>> {
  const result = await querier.query(sql, [...params]);
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}
