import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

/** The superuser of every throwaway server (trust authentication, loopback only). */
const SUPERUSER = 'frostmint';
/** The unprivileged account that runs the server when the tests run as root. */
const SERVER_ACCOUNT = 'postgres';

/** A running throwaway PostgreSQL server. */
export interface TestPostgres {
  /** `postgres://frostmint@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly url: string;
  /** Creates an empty database and returns its URL: one per test keeps tests independent. */
  createDatabase(): Promise<string>;
  /** Stops the server (immediate shutdown) and deletes its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a real, throwaway PostgreSQL server from the distribution's binaries
 * (`/usr/lib/postgresql/<version>/bin`, or `$PG_BIN`): `initdb` into a fresh temp directory,
 * `pg_ctl start` on a free loopback port with its unix socket inside that directory. Postgres
 * refuses to run as root, so under root the server runs as the `postgres` account
 * (`runuser`). Durability is switched off (`fsync=off`): the data is disposable.
 *
 * @example
 * ```ts
 * const pg = await startPostgres();
 * try {
 *   const url = await pg.createDatabase();
 *   // … connect to `url` …
 * } finally {
 *   await pg.stop();
 * }
 * ```
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = await postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = accountIds(SERVER_ACCOUNT);
    await chown(dir, uid, gid);
  }
  const serverCommand = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', SERVER_ACCOUNT, '--', join(bin, tool), ...args])
      : run(join(bin, tool), args);
  const data = join(dir, 'data');
  const port = await freePort();
  const stopSync = () => {
    const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    try {
      if (asRoot)
        execFileSync('runuser', ['-u', SERVER_ACCOUNT, '--', join(bin, 'pg_ctl'), ...args], {
          stdio: 'ignore',
        });
      else execFileSync(join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      // Already stopped.
    }
  };
  process.once('exit', stopSync);

  try {
    await serverCommand('initdb', [
      '-D',
      data,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=100',
    ].join(' ');
    await serverCommand('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      options,
      'start',
    ]);
  } catch (err) {
    stopSync();
    process.removeListener('exit', stopSync);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL from ${bin}: ${(err as Error).message}`);
  }

  const base = `postgres://${SUPERUSER}@127.0.0.1:${port}`;
  let databases = 0;
  let stopped = false;
  return {
    url: `${base}/postgres`,
    async createDatabase() {
      databases += 1;
      const name = `test_${databases}`;
      await run(join(bin, 'createdb'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        SUPERUSER,
        name,
      ]);
      return `${base}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      await serverCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `$PG_BIN`, else the newest `/usr/lib/postgresql/<version>/bin` (Debian's layout). */
async function postgresBinDir(): Promise<string> {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL server binaries not found under ${root}: apt-get install postgresql (or set PG_BIN)`,
    );
  }
  return join(root, newest, 'bin');
}

function accountIds(account: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', account], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', account], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
