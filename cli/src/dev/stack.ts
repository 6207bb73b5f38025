import { runDevDkg, SignerPool } from '@frostmint/coordinator';
import { readGroupConfig, writeGroupConfig } from '@frostmint/core';
import type { Logger } from 'pino';
import { type DevIdp, type DevIdpOptions, devIdpTrust, startDevIdp } from './idp.ts';
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
  coordinatorListening,
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
  readonly layout?: Omit<DevLayoutOptions, 'port' | 'enrollmentIdp'>;
  /**
   * The local OpenID Provider whose logins prove enrollments (every signer trusts it), and
   * the clock skew signers allow its ID tokens (default 30 s).
   */
  readonly idp?: DevIdpOptions & { readonly clockSkewSeconds?: number };
  /** Extra node options (e.g. `--cpu-prof`) and environment for the coordinator process. */
  readonly coordinatorLaunch?: SignerLaunch;
}

/** A running local stack: three signer processes and a coordinator process. */
/** How a signer process is started again: extra node options (e.g. a loader) and environment. */
export interface SignerLaunch {
  readonly nodeOptions?: readonly string[];
  readonly env?: Record<string, string>;
}

export interface DevStack {
  readonly layout: DevLayout;
  readonly coordinatorUrl: string;
  readonly signers: Map<number, DaemonProcess>;
  readonly coordinator: DaemonProcess;
  /** The local OpenID Provider (demo users) that proves enrollments. */
  readonly idp: DevIdp;
  /** True when this start ran the DKG ceremony (first start of a state directory). */
  readonly ranDkg: boolean;
  /**
   * Starts signer `id` again after it was stopped or killed, optionally from another entry
   * point, with extra node options or environment (tests inject faults this way, after the
   * DKG ceremony).
   */
  restartSigner(id: number, entry?: string, launch?: SignerLaunch): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the local stack on loopback with the dev CA: the local OpenID Provider (in this
 * process) that every signer trusts for enrollment proof, three signers, DKG on first start
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
  const idp = await startDevIdp(options.idp);
  const layout = await prepareDevLayout(options.stateDir, {
    ...options.layout,
    ...(options.port ? { port: options.port } : {}),
    enrollmentIdp: devIdpTrust(idp, options.idp?.clockSkewSeconds),
  }).catch(async (err: unknown) => {
    await idp.stop();
    throw err;
  });
  const env = { [DEV_PASSPHRASE_ENV]: layout.passphrase, [DEV_BEARER_ENV]: layout.bearer };
  const pool = new SignerPool(layout.coordinator.signers, layout.coordinator.tls, {
    deadlineMs: 2_000,
    healthIntervalMs: 60_000,
    log: options.log,
  });
  const signers = new Map<number, DaemonProcess>();
  const startSigner = async (id: number, entry = SIGNER_ENTRY, launch: SignerLaunch = {}) => {
    const path = layout.signerConfigPaths[id - 1]!;
    const extra = { ...env, ...launch.env };
    const daemon = spawnDaemon(`signer-${id}`, entry, path, extra, launch.nodeOptions);
    signers.set(id, daemon);
    await waitUntil(daemon, () => pool.call(id, 'info', {}).then(() => true));
  };
  let coordinator: DaemonProcess | undefined;
  const stop = async () => {
    pool.close();
    await Promise.all([coordinator?.stop(), ...[...signers.values()].map((s) => s.stop())]);
    await idp.stop();
  };
  try {
    await Promise.all(layout.signers.map((s) => startSigner(s.id)));
    const ranDkg = await ensureGroup(layout, pool, options.log);
    coordinator = spawnDaemon(
      'coordinator',
      COORDINATOR_ENTRY,
      layout.coordinatorConfigPath,
      { ...env, ...options.coordinatorLaunch?.env },
      options.coordinatorLaunch?.nodeOptions,
    );
    const coordinatorUrl = layout.coordinator.issuer;
    const started = coordinator;
    await waitUntil(
      started,
      async () => coordinatorListening(started) && (await fetch(`${coordinatorUrl}/readyz`)).ok,
    );
    const running = coordinator;
    /** Restarts a signer, and returns once the coordinator's health poll sees it ready. */
    const restartSigner = async (id: number, entry?: string, launch?: SignerLaunch) => {
      await startSigner(id, entry, launch);
      await waitUntil(running, async () => {
        const ready = (await (await fetch(`${coordinatorUrl}/readyz`)).json()) as {
          signers: { id: number; ready: boolean }[];
        };
        return ready.signers.some((s) => s.id === id && s.ready);
      });
    };
    return { layout, coordinatorUrl, signers, coordinator, idp, ranDkg, restartSigner, stop };
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
