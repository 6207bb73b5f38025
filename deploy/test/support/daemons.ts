import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The daemons' installed entry points (`bin` of @frostmint/coordinator and @frostmint/signer). */
export const BIN = {
  coordinator: fileURLToPath(
    new URL('../../../coordinator/bin/frostmint-coordinator.js', import.meta.url),
  ),
  signer: fileURLToPath(new URL('../../../signer/bin/frostmint-signer.js', import.meta.url)),
};

/**
 * The container health probes (`<pkg>/src/healthcheck.ts`, built to `dist/healthcheck.js`),
 * run through tsx here as the bins run the sources.
 */
export const HEALTHCHECK = {
  coordinator: fileURLToPath(new URL('../../../coordinator/src/healthcheck.ts', import.meta.url)),
  signer: fileURLToPath(new URL('../../../signer/src/healthcheck.ts', import.meta.url)),
};

/** Runs a health probe entry with `--config`; resolves with its exit status and stderr. */
export function runHealthcheck(
  entry: string,
  config: string,
): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', entry, '--config', config], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

/** A daemon process started from its bin with `--config`, output captured. */
export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `bin --config <path>` as an operator's service manager would.
 *
 * @example
 * ```ts
 * const signer = startDaemon(BIN.signer, '/tmp/x/signer.json', { SOFTHSM2_CONF: conf });
 * ```
 */
export function startDaemon(bin: string, config: string, env: Record<string, string>): Daemon {
  const child = spawn(process.execPath, [bin, '--config', config], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs `bin --config <path> [...args]` to completion (e.g. `--check-config`). */
export function runDaemonCommand(
  bin: string,
  config: string,
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, '--config', config, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Polls `probe` until it is true; fails with the daemon's output when it exits or times out. */
export async function waitFor(
  daemon: Daemon,
  probe: () => Promise<boolean>,
  timeoutMs = 240_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.child.exitCode !== null)
      throw new Error(`daemon exited (${daemon.child.exitCode}):\n${daemon.output()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`daemon not ready within ${timeoutMs} ms:\n${daemon.output()}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** GET over HTTPS trusting only `caFile`, checking the certificate names `servername`. */
export function httpsGet(
  url: string,
  caFile: string,
  servername: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca: readFileSync(caFile), servername }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.setTimeout(5_000, () => request.destroy(new Error('timeout')));
  });
}
