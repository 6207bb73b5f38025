import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The compiled `main` of a daemon package (`npm run build` writes `<package>/dist/`). */
const builtMain = (pkg: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'main.js');

/** Entry points of the daemons: the built JavaScript, as the published bins run it. */
export const SIGNER_ENTRY = builtMain('@frostmint/signer');
export const COORDINATOR_ENTRY = builtMain('@frostmint/coordinator');

/** A daemon started as a child process, with its output captured for diagnostics. */
export interface DaemonProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr). */
  readonly output: () => string;
  /** Sends SIGTERM and waits for exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, no clean shutdown: a crashed signer. */
  kill(): Promise<void>;
}

/**
 * Spawns `node [...nodeOptions] <entry> --config <configPath>` with `env` added.
 *
 * @example
 * ```ts
 * const signer = spawnDaemon('signer-1', SIGNER_ENTRY, '/state/signer-1.json', { FROSTMINT_DEV_VAULT_PASSPHRASE: p });
 * ```
 */
export function spawnDaemon(
  name: string,
  entry: string,
  configPath: string,
  env: Record<string, string>,
  nodeOptions: readonly string[] = [],
): DaemonProcess {
  const child = spawn(process.execPath, [...nodeOptions, entry, '--config', configPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    child,
    output: () => lines.join('\n'),
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

/**
 * Whether a coordinator started by {@link spawnDaemon} has itself bound its listener (it logs
 * `coordinator listening` once it has), not only whether something answers on its port:
 * free ports are picked ahead of time, so under parallel test runs another stack's process
 * may hold the port, and a readiness probe alone would talk to it.
 *
 * @example
 * ```ts
 * await waitUntil(daemon, async () => coordinatorListening(daemon) && (await fetch(readyz)).ok);
 * ```
 */
export function coordinatorListening(daemon: DaemonProcess): boolean {
  return daemon.output().includes('coordinator listening');
}

/**
 * Polls `probe` until it resolves true, or fails with the daemon's recent output.
 */
export async function waitUntil(
  daemon: DaemonProcess,
  probe: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.child.exitCode !== null) {
      throw new Error(
        `${daemon.name} exited with code ${daemon.child.exitCode}:\n${daemon.output()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${daemon.name} did not become ready within ${timeoutMs} ms:\n${daemon.output()}`,
  );
}
