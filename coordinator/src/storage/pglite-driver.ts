import { fsyncSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import type { SqlDriver, SqlResult } from './executor.ts';

/** Options of {@link openPgliteDriver}. */
export interface PgliteDriverOptions {
  /**
   * Sync every commit to disk before it returns (default). Off only for benchmarks that
   * measure what durability costs: a host crash can then lose committed rows.
   */
  readonly durable?: boolean;
}

/**
 * Opens (creating on first use) an embedded PGlite database in `dir`: PostgreSQL compiled
 * to WebAssembly, in this process, no server. PGlite is single-connection: statements and
 * transactions are serialized inside the instance, so one directory belongs to exactly one
 * coordinator process.
 *
 * Durable by default: PGlite starts PostgreSQL with `fsync = off` (`-F`) and its Node file
 * system ignores `fsync(2)`; here PostgreSQL runs with `fsync = on` and
 * `wal_sync_method = fsync`, and the file system's fsync is the real one, so a commit
 * returns only once its WAL record is on disk (and checkpoints sync data files), as on a
 * PostgreSQL server. See docs/storage.md.
 *
 * @example
 * ```ts
 * const driver = await openPgliteDriver('/var/lib/frostmint/coordinator/pglite');
 * ```
 */
export async function openPgliteDriver(
  dir: string,
  options: PgliteDriverOptions = {},
): Promise<SqlDriver> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const db =
    options.durable === false
      ? await PGlite.create(dir)
      : await PGlite.create({
          fs: new SyncingNodeFS(dir),
          startParams: [
            ...PGlite.defaultStartParams.filter((p) => p !== '-F'),
            '-c',
            'fsync=on',
            // PGlite's fdatasync is a no-op stub; fsync reaches the file system below.
            '-c',
            'wal_sync_method=fsync',
          ],
        });
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

type EmscriptenOptions = { preRun?: ((module: NodefsModule) => void)[] };
interface NodefsModule {
  NODEFS: { stream_ops: { fsync?: (stream: { nfd?: number }) => void } };
}

/**
 * PGlite's Node file system with a working `fsync`: Emscripten's NODEFS has none, so
 * PostgreSQL's fsync calls return success without syncing. This one syncs the real file
 * descriptor behind the stream.
 */
class SyncingNodeFS extends NodeFS {
  override async init(
    pg: Parameters<NodeFS['init']>[0],
    emscriptenOptions: Parameters<NodeFS['init']>[1],
  ): ReturnType<NodeFS['init']> {
    const base = await super.init(pg, emscriptenOptions);
    const opts = base.emscriptenOpts as EmscriptenOptions;
    return {
      emscriptenOpts: {
        ...base.emscriptenOpts,
        preRun: [
          ...(opts.preRun ?? []),
          (module: NodefsModule) => {
            module.NODEFS.stream_ops.fsync = (stream) => {
              if (stream.nfd !== undefined) fsyncSync(stream.nfd);
            };
          },
        ],
      },
    };
  }
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
