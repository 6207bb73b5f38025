import { resolve } from 'node:path';
import { z } from 'zod';
import type { StoreError } from './errors.ts';
import { SqlExecutor } from './executor.ts';
import { StoreHealth } from './health.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations.ts';
import { openPgliteDriver } from './pglite-driver.ts';
import { openPostgresDriver } from './postgres-driver.ts';
import { SqlCoordinatorStore } from './sql/store.ts';
import type { CoordinatorStore } from './store.ts';

/** How often the store's health (headroom, backend) is checked. */
const HEALTH_INTERVAL_MS = 1_000;

/**
 * Where coordinator state lives (the `storage` section of the coordinator config).
 *
 * - `{"backend": "pglite"}` (the default): embedded PGlite in `<stateDir>/pglite`, or in
 *   `dir` (relative to the state dir). No server; one coordinator process per directory.
 *   Every commit is synced to disk (`durable`); the coordinator is not ready when its file
 *   system has less than `minFreeMb` free.
 * - `{"backend": "postgres", "url": "postgres://frostmint@db:5432/frostmint"}`: a PostgreSQL
 *   server shared by any number of coordinators. Keep the password out of the URL: `pg`
 *   reads `PGPASSWORD` and `~/.pgpass`, and TLS settings from `sslmode` in the URL.
 */
export const StorageConfigSchema = z.discriminatedUnion('backend', [
  z
    .object({
      backend: z.literal('pglite'),
      dir: z.string().min(1).optional(),
      /**
       * Sync every commit to disk before answering (default). `false` only to measure what
       * durability costs: a host crash can then lose tokens that were handed out.
       */
      durable: z.boolean().default(true),
      /** Below this much free space on the store's file system the coordinator is not ready. */
      minFreeMb: z.number().int().min(0).max(1_000_000).default(64),
    })
    .strict(),
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
  const dir =
    storage.backend === 'pglite' ? resolve(options.stateDir, storage.dir ?? 'pglite') : undefined;
  const driver =
    storage.backend === 'pglite'
      ? await openPgliteDriver(dir!, { durable: storage.durable })
      : openPostgresDriver({
          url: storage.url,
          maxConnections: storage.maxConnections,
          ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
        });
  let health: StoreHealth | undefined;
  const db = new SqlExecutor(driver, (err) => health?.noteFailure(err));
  try {
    await migrate(db, MIGRATIONS, new Date(now()));
    const { rows } = await db.query<{ fsync: string }>('SHOW fsync');
    health = new StoreHealth({
      db,
      fsync: rows[0]?.fsync === 'on',
      now,
      ...(dir && storage.backend === 'pglite'
        ? { dir, minFreeBytes: storage.minFreeMb * 2 ** 20 }
        : {}),
    });
    await health.start(HEALTH_INTERVAL_MS);
  } catch (err) {
    health?.close();
    await db.close().catch(() => {});
    throw err;
  }
  return new SqlCoordinatorStore(db, now, health);
}
