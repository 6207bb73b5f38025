import { runDevDkg, SignerPool } from '@frostmint/coordinator';
import { readGroupConfig, writeGroupConfig } from '@frostmint/core';
import type { Logger } from 'pino';
import {
  DEV_BEARER_ENV,
  DEV_PASSPHRASE_ENV,
  type DevLayout,
  type DevLayoutOptions,
  prepareDevLayout,
  THRESHOLD,
} from './layout.ts';
import {
  COORDINATOR_ENTRY,
  type DaemonProcess,
  SIGNER_ENTRY,
  spawnDaemon,
  waitUntil,
} from './processes.ts';

export interface DevStackOptions {
  readonly stateDir: string;
  /** Coordinator port; signers use the next three. Default: free ports chosen by the OS. */
  readonly port?: number;
  readonly log: Logger;
  /** Extra settings (trusted OIDC issuers, another policy) for tests. */
  readonly layout?: Omit<DevLayoutOptions, 'port'>;
}

/** A running local stack: three signer processes and a coordinator process. */
export interface DevStack {
  readonly layout: DevLayout;
  readonly coordinatorUrl: string;
  readonly signers: Map<number, DaemonProcess>;
  readonly coordinator: DaemonProcess;
  /** True when this start ran the DKG ceremony (first start of a state directory). */
  readonly ranDkg: boolean;
  /**
   * Starts signer `id` again after it was stopped or killed, optionally from another entry
   * point or with extra environment (tests inject faults this way, after the DKG ceremony).
   */
  restartSigner(id: number, entry?: string, env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the local stack on loopback with the dev CA: three signers, DKG on first start
 * (from this process, acting as the ceremony coordinator over mTLS), then the coordinator.
 *
 * @example
 * ```ts
 * const stack = await startDevStack({ stateDir: '.frostmint/dev', log });
 * // POST `${stack.coordinatorUrl}/v1/mint` with `Bearer ${stack.layout.bearer}`
 * await stack.stop();
 * ```
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const layout = await prepareDevLayout(options.stateDir, {
    ...options.layout,
    ...(options.port ? { port: options.port } : {}),
  });
  const env = { [DEV_PASSPHRASE_ENV]: layout.passphrase, [DEV_BEARER_ENV]: layout.bearer };
  const pool = new SignerPool(layout.coordinator.signers, layout.coordinator.tls, {
    deadlineMs: 2_000,
    healthIntervalMs: 60_000,
    log: options.log,
  });
  const signers = new Map<number, DaemonProcess>();
  const startSigner = async (id: number, entry = SIGNER_ENTRY, extraEnv = {}) => {
    const daemon = spawnDaemon(`signer-${id}`, entry, layout.signerConfigPaths[id - 1]!, {
      ...env,
      ...extraEnv,
    });
    signers.set(id, daemon);
    await waitUntil(daemon, () => pool.call(id, 'info', {}).then(() => true));
  };
  let coordinator: DaemonProcess | undefined;
  const stop = async () => {
    pool.close();
    await Promise.all([coordinator?.stop(), ...[...signers.values()].map((s) => s.stop())]);
  };
  try {
    await Promise.all(layout.signers.map((s) => startSigner(s.id)));
    const ranDkg = await ensureGroup(layout, pool, options.log);
    coordinator = spawnDaemon('coordinator', COORDINATOR_ENTRY, layout.coordinatorConfigPath, env);
    const coordinatorUrl = layout.coordinator.issuer;
    await waitUntil(coordinator, async () => (await fetch(`${coordinatorUrl}/readyz`)).ok);
    const running = coordinator;
    /** Restarts a signer, and returns once the coordinator's health poll sees it ready. */
    const restartSigner = async (id: number, entry?: string, extraEnv?: Record<string, string>) => {
      await startSigner(id, entry, extraEnv);
      await waitUntil(running, async () => {
        const ready = (await (await fetch(`${coordinatorUrl}/readyz`)).json()) as {
          signers: { id: number; ready: boolean }[];
        };
        return ready.signers.some((s) => s.id === id && s.ready);
      });
    };
    return { layout, coordinatorUrl, signers, coordinator, ranDkg, restartSigner, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs DKG when the coordinator has no group yet; returns whether it ran. */
async function ensureGroup(layout: DevLayout, pool: SignerPool, log: Logger): Promise<boolean> {
  if (await readGroupConfig(layout.coordinator.stateDir)) return false;
  const { signers, tls } = layout.coordinator;
  const group = await runDevDkg(pool, { threshold: THRESHOLD, signers, tls, log });
  await writeGroupConfig(layout.coordinator.stateDir, group);
  return true;
}
