import { StoreError, toStoreError } from './errors.ts';

/** The storage backends: both run the same SQL. */
export type StoreBackend = 'pglite' | 'postgres';

/** Rows of one statement and how many rows it returned or changed. */
export interface SqlResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/** Runs one parameterized statement (`$1`, `$2`, …); values never go into the SQL text. */
export interface SqlQuerier {
  query<Row>(sql: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
}

/** A querier bound to one open transaction. */
export interface SqlTransaction extends SqlQuerier {
  /** Runs a script of several statements, without parameters (migrations only). */
  exec(script: string): Promise<void>;
}

/**
 * What a backend adapter provides: statements, transactions and shutdown, nothing else.
 * Adapters stay thin; the SQL and its meaning live in the shared store modules.
 */
export interface SqlDriver extends SqlQuerier {
  readonly backend: StoreBackend;
  /** Runs `fn` inside BEGIN … COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A driver behind the store's error discipline: every failure comes out as a `StoreError`
 * (values stripped), and any use after `close()` fails with `store_closed`.
 *
 * @example
 * ```ts
 * const db = new SqlExecutor(await openPgliteDriver(dir));
 * const { rows } = await db.query<{ n: number }>('SELECT $1::int AS n', [1]);
 * await db.transaction(async (tx) => tx.query('SELECT pg_advisory_xact_lock($1)', [42]));
 * ```
 */
export class SqlExecutor implements SqlQuerier {
  readonly #driver: SqlDriver;
  readonly #onFailure: (err: StoreError) => void;
  #closed = false;

  /** `onFailure` sees every failure of the backend (store health watches them). */
  constructor(driver: SqlDriver, onFailure: (err: StoreError) => void = () => {}) {
    this.#driver = driver;
    this.#onFailure = onFailure;
  }

  /** `'pglite'` or `'postgres'`. */
  get backend(): StoreBackend {
    return this.#driver.backend;
  }

  /**
   * Runs one statement outside any transaction.
   *
   * @example
   * ```ts
   * await db.query('DELETE FROM replay_window WHERE expires_at <= $1', [now]);
   * ```
   */
  query<Row>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    this.#assertOpen();
    return this.#guarded(() => this.#driver.query<Row>(sql, params));
  }

  /**
   * Runs `fn` in one transaction; the querier it receives is the only one to use inside.
   *
   * @example
   * ```ts
   * const index = await db.transaction(async (tx) => {
   *   const { rows } = await tx.query<{ size: number }>('UPDATE … RETURNING size');
   *   return rows[0]!.size;
   * });
   * ```
   */
  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    this.#assertOpen();
    let thrownByFn: { err: unknown } | undefined;
    try {
      return await this.#driver.transaction(async (tx) => {
        try {
          return await fn({
            query: (sql, params = []) => this.#guarded(() => tx.query(sql, params)),
            exec: (script) => this.#guarded(() => tx.exec(script)),
          });
        } catch (err) {
          thrownByFn = { err };
          throw err;
        }
      });
    } catch (err) {
      // The callback's own errors pass unchanged; BEGIN/COMMIT/connection failures are wrapped.
      if (thrownByFn !== undefined && thrownByFn.err === err) throw err;
      throw this.#failed(err);
    }
  }

  /**
   * Closes the backend; idempotent.
   *
   * @example
   * ```ts
   * await db.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close();
  }

  async #guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.#failed(err);
    }
  }

  #failed(err: unknown): StoreError {
    const failure = toStoreError(err);
    this.#onFailure(failure);
    return failure;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('store_closed', 'the coordinator store is closed');
  }
}
