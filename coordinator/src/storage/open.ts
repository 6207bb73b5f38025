import { resolve } from 'node:path';
import { z } from 'zod';
import type { StoreError } from './errors.ts';
import { SqlExecutor } from './executor.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations.ts';
import { openPgliteDriver } from './pglite-driver.ts';
import { openPostgresDriver } from './postgres-driver.ts';
import { SqlCoordinatorStore } from './sql/store.ts';
import type { CoordinatorStore } from './store.ts';

/**
 * Where coordinator state lives (the `storage` section of the coordinator config).
 *
 * - `{"backend": "pglite"}` (the default): embedded PGlite in `<stateDir>/pglite`, or in
 *   `dir` (relative to the state dir). No server; one coordinator process per directory.
 * - `{"backend": "postgres", "url": "postgres://frostmint@db:5432/frostmint"}`: a PostgreSQL
 *   server shared by any number of coordinators. Keep the password out of the URL: `pg`
 *   reads `PGPASSWORD` and `~/.pgpass`, and TLS settings from `sslmode` in the URL.
 */
export const StorageConfigSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('pglite'), dir: z.string().min(1).optional() }).strict(),
  z
    .object({
      backend: z.literal('postgres'),
      url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
      /** Connections this coordinator may hold. */
      maxConnections: z.number().int().min(1).max(200).default(10),
    })
    .strict(),
]);

/** The `storage` configuration, as written in the config file (defaults not yet applied). */
export type StorageConfig = z.input<typeof StorageConfigSchema>;

/** Options of {@link openCoordinatorStore}. */
export interface OpenStoreOptions {
  /** Defaults to `{backend: 'pglite'}`. */
  readonly storage?: StorageConfig;
  /** The coordinator's state directory; the PGlite directory is resolved against it. */
  readonly stateDir: string;
  /** Milliseconds since the epoch; every "now" of the store comes from here. */
  readonly now?: () => number;
  /** Errors of idle PostgreSQL connections, as `StoreError`s (for logging; no secrets). */
  readonly onIdleError?: (err: StoreError) => void;
}

/**
 * Opens the coordinator store and brings its schema up to date (see `migrate`): embedded
 * PGlite by default, PostgreSQL when configured. Safe when several coordinators open one
 * PostgreSQL database at once.
 *
 * @example
 * ```ts
 * const store = await openCoordinatorStore({ stateDir: config.stateDir, storage: config.storage });
 * try {
 *   if (!(await store.replay.rememberOnce('oidc-jti', jti, expiresAt))) throw replayed();
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export async function openCoordinatorStore(options: OpenStoreOptions): Promise<CoordinatorStore> {
  const storage = StorageConfigSchema.parse(options.storage ?? { backend: 'pglite' });
  const now = options.now ?? Date.now;
  const driver =
    storage.backend === 'pglite'
      ? await openPgliteDriver(resolve(options.stateDir, storage.dir ?? 'pglite'))
      : openPostgresDriver({
          url: storage.url,
          maxConnections: storage.maxConnections,
          ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
        });
  const db = new SqlExecutor(driver);
  try {
    await migrate(db, MIGRATIONS, new Date(now()));
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return new SqlCoordinatorStore(db, now);
}
