import { execFile } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type DaemonProcess, type DevStack, startDevStack } from '@frostmint/cli';
import { SIGNING_LOG_FILE, verifySigningLog } from '@frostmint/signer';
import { pino } from 'pino';
import { readAuditLog, spawnCoordinator } from '../support/coordinator-process.ts';
import { fakeClock } from '../support/faketime.ts';
import { type MintRecord, quantile, sleep, startLoad } from './load.ts';

const run = promisify(execFile);

/** How long each experiment runs, and how hard. */
export interface ChaosConfig {
  /** Concurrent clients of the steady load. */
  readonly clients: number;
  /** Load before each fault, ms. */
  readonly warmMs: number;
  /** How long a signer stays killed / two signers stay down, ms. */
  readonly killMs: number;
  readonly freezeMs: number;
  readonly skewMs: number;
  readonly diskFullMs: number;
  readonly coordinatorKills: number;
  /** Load between two coordinator kills, ms. */
  readonly coordinatorUpMs: number;
}

/** `npm run chaos`: the durations of issue 19's table. */
export const FULL: ChaosConfig = {
  clients: 8,
  warmMs: 3_000,
  killMs: 20_000,
  freezeMs: 30_000,
  skewMs: 20_000,
  diskFullMs: 10_000,
  coordinatorKills: 5,
  coordinatorUpMs: 4_000,
};

/** The vitest form: every experiment, a few seconds each. */
export const SHORT: ChaosConfig = {
  clients: 4,
  warmMs: 1_500,
  killMs: 3_000,
  freezeMs: 3_000,
  skewMs: 3_000,
  diskFullMs: 2_000,
  coordinatorKills: 2,
  coordinatorUpMs: 1_500,
};

/** The experiments, in the order a full run does them (`--only` picks some). */
export const EXPERIMENTS = [
  'signer_kill',
  'signer_freeze',
  'clock_skew',
  'quorum_loss',
  'disk_full',
  'coordinator_kill',
] as const;
export type Experiment = (typeof EXPERIMENTS)[number];

/** Mints the load must have had answered before a fault is injected. */
const WARM_MINTS = 40;

/** The tmpfs that holds the coordinator's state directory (so its disk can be filled). */
const COORDINATOR_DISK = '192m';

interface Readyz {
  ready: boolean;
  available_signers: number;
  signers: { id: number; ready: boolean; degraded?: { reason: string } }[];
  store?: { ok: boolean; fsync: boolean; reason?: string };
}

/**
 * Runs every experiment of the chaos suite against one local stack (three signer
 * processes, a coordinator process, loopback, bounded load) and returns the `name: value`
 * results: signer `kill -9`, two signers down, a frozen signer (SIGSTOP), a signer whose
 * clock runs 60 s ahead (libfaketime), the coordinator killed repeatedly, and its state
 * disk (a size-limited tmpfs) filled. `only` runs just those experiments, in that order.
 *
 * @example
 * ```ts
 * const results = await runChaos(SHORT, (line) => console.log(line));
 * const freeze = await runChaos(FULL, console.log, ['signer_freeze']);
 * ```
 */
export async function runChaos(
  config: ChaosConfig,
  progress: (line: string) => void = () => {},
  only?: readonly Experiment[],
): Promise<Record<string, number>> {
  // Fails before any stack starts when libfaketime is missing.
  fakeClock('+60s');
  const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-chaos-'));
  const coordinatorDir = join(stateDir, 'coordinator');
  await mkdir(coordinatorDir, { recursive: true, mode: 0o700 });
  await mountTmpfs(coordinatorDir);
  let chaos: Chaos | undefined;
  try {
    const stack = await startDevStack({ stateDir, log: pino({ level: 'silent' }) });
    chaos = new Chaos(stack, config, progress);
    const out: Record<string, number> = {};
    const experiments: Record<Experiment, () => Promise<Record<string, number>>> = {
      signer_kill: () => chaos!.signerKill(),
      signer_freeze: () => chaos!.signerFreeze(),
      clock_skew: () => chaos!.clockSkew(),
      quorum_loss: () => chaos!.quorumLoss(),
      disk_full: () => chaos!.diskFull(coordinatorDir),
      coordinator_kill: () => chaos!.coordinatorKills(),
    };
    for (const name of only ?? EXPERIMENTS) {
      const results = await experiments[name]();
      for (const [name, value] of Object.entries(results)) progress(`${name}: ${value}`);
      Object.assign(out, results);
    }
    return out;
  } finally {
    await chaos?.stop();
    await run('umount', ['-l', coordinatorDir]).catch(() => {});
    await rm(stateDir, { recursive: true, force: true });
  }
}

class Chaos {
  #coordinator: DaemonProcess;

  constructor(
    private readonly stack: DevStack,
    private readonly config: ChaosConfig,
    private readonly progress: (line: string) => void,
  ) {
    this.#coordinator = stack.coordinator;
  }

  get #url(): string {
    return this.stack.coordinatorUrl;
  }

  #load() {
    return startLoad(() => this.#url, this.stack.layout.bearer, { clients: this.config.clients });
  }

  /**
   * Lets the load reach a steady state before a fault: `warmMs`, and at least
   * `WARM_MINTS` mints answered (a fresh stack's first rounds are slow, and the hedge budget
   * needs recent round times before it hedges).
   */
  async #warm(load: ReturnType<typeof startLoad>): Promise<void> {
    await sleep(this.config.warmMs);
    await waitFor(async () => load.records.filter((r) => r.status === 200).length >= WARM_MINTS);
  }

  async #readyz(): Promise<Readyz> {
    return (await (await fetch(`${this.#url}/readyz`)).json()) as Readyz;
  }

  /** Resolves (with the time) once signer `id` is in rotation: ready, not degraded. */
  #inRotation(id: number, all = 3): Promise<number> {
    return waitFor(async () => {
      const r = await this.#readyz();
      const s = r.signers.find((x) => x.id === id);
      return !!s?.ready && !s.degraded && r.available_signers >= all;
    });
  }

  #port(id: number): number {
    return Number(this.stack.layout.signers[id - 1]!.listen.split(':')[1]);
  }

  /** Restarts a signer; resolves with the moment its port accepts connections. */
  async #restart(id: number, env?: Record<string, string>): Promise<number> {
    const restarted = this.stack.restartSigner(id, undefined, { env });
    const listens = await listening(this.#port(id));
    await restarted;
    return listens;
  }

  async signerKill(): Promise<Record<string, number>> {
    this.progress('# signer 3: kill -9 under load');
    const load = this.#load();
    await this.#warm(load);
    await this.stack.signers.get(3)!.kill();
    await sleep(this.config.killMs);
    const restarted = this.stack.restartSigner(3);
    const listens = await listening(this.#port(3));
    const rotation = await this.#inRotation(3);
    await restarted;
    await sleep(500);
    const records = await load.stop();
    if (failed(records).length) this.progress(`# failed: ${failures(records)}`);
    return {
      chaos_signer_kill_mints: records.length,
      chaos_signer_kill_failed_mints: failed(records).length,
      chaos_signer_rejoin_s: seconds(rotation - listens),
    };
  }

  async signerFreeze(): Promise<Record<string, number>> {
    this.progress('# signer 3: SIGSTOP under load');
    const load = this.#load();
    await this.#warm(load);
    const pid = this.stack.signers.get(3)!.child.pid!;
    const frozenAt = performance.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await sleep(this.config.freezeMs);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await this.#inRotation(3);
    const records = await load.stop();
    const inflight = records.filter((r) => r.start < frozenAt && r.end > frozenAt);
    const before = records.filter((r) => r.end < frozenAt);
    if (failed(records).length) this.progress(`# failed: ${failures(records)}`);
    return {
      // The same load's p99 before the freeze: what this machine takes anyway.
      chaos_signer_freeze_baseline_p99_ms: Math.round(
        quantile(
          before.map((r) => r.end - r.start),
          0.99,
        ),
      ),
      chaos_signer_freeze_mints: records.length,
      chaos_signer_freeze_failed_mints: failed(records).length,
      chaos_signer_freeze_inflight: inflight.length,
      chaos_signer_freeze_inflight_p99_ms: Math.round(
        quantile(
          inflight.map((r) => r.end - r.start),
          0.99,
        ),
      ),
    };
  }

  async clockSkew(): Promise<Record<string, number>> {
    this.progress('# signer 3: clock +60 s (libfaketime)');
    await this.stack.signers.get(3)!.stop();
    await this.#restart(3, fakeClock('+60s'));
    const load = this.#load();
    let shownSkewed = false;
    const deadline = performance.now() + this.config.skewMs;
    while (performance.now() < deadline) {
      const r = await this.#readyz();
      shownSkewed ||= r.signers.find((s) => s.id === 3)?.degraded?.reason === 'clock_skew';
      await sleep(200);
    }
    const records = await load.stop();
    await this.stack.signers.get(3)!.stop();
    await this.stack.restartSigner(3);
    await this.#inRotation(3);
    return {
      chaos_clock_skew_mints: records.length,
      chaos_clock_skew_failed_mints: failed(records).length,
      chaos_clock_skew_signer_used: records.filter((r) => r.signers?.includes(3)).length,
      chaos_clock_skew_degraded_shown: shownSkewed ? 1 : 0,
    };
  }

  async quorumLoss(): Promise<Record<string, number>> {
    this.progress('# signers 2 and 3: kill -9 under load');
    const load = this.#load();
    await this.#warm(load);
    await Promise.all([this.stack.signers.get(2)!.kill(), this.stack.signers.get(3)!.kill()]);
    const downAt = performance.now();
    await sleep(this.config.killMs);
    const readyDuringLoss = (await this.#readyz()).ready;
    const restarted = Promise.all([this.stack.restartSigner(2), this.stack.restartSigner(3)]);
    const quorumListens = await Promise.race([listening(this.#port(2)), listening(this.#port(3))]);
    const firstMint = await waitFor(async () =>
      load.records.some((r) => r.status === 200 && r.end > quorumListens),
    );
    await restarted;
    await this.#inRotation(2);
    await this.#inRotation(3);
    const records = await load.stop();
    const during = records.filter((r) => r.start > downAt && r.start < quorumListens);
    return {
      chaos_quorum_loss_requests: during.length,
      chaos_quorum_loss_minted: during.filter((r) => r.status === 200).length,
      chaos_quorum_loss_other_answers: during.filter(
        (r) => r.status !== 200 && !(r.status === 503 && r.error === 'quorum_unavailable'),
      ).length,
      chaos_quorum_loss_readyz_ready: readyDuringLoss ? 1 : 0,
      chaos_quorum_rejoin_s: seconds(firstMint - quorumListens),
    };
  }

  async diskFull(dir: string): Promise<Record<string, number>> {
    this.progress("# the coordinator's state disk fills up");
    const storeFsync = (await this.#readyz()).store?.fsync ? 1 : 0;
    const load = this.#load();
    await this.#warm(load);
    const filler = join(dir, 'chaos-filler');
    const leftFree = await fillDisk(dir, filler);
    const fullAt = performance.now();
    await sleep(this.config.diskFullMs);
    const readyWhileFull = await this.#readyz();
    await rm(filler);
    const freedAt = performance.now();
    const recovered = await waitFor(async () =>
      load.records.some((r) => r.status === 200 && r.start > freedAt),
    );
    const records = await load.stop();
    const during = records.filter((r) => r.start > fullAt && r.end < freedAt);
    return {
      chaos_disk_full_free_bytes: leftFree,
      chaos_disk_full_requests: during.length,
      chaos_disk_full_minted: during.filter((r) => r.status === 200).length,
      chaos_disk_full_other_answers: during.filter(
        (r) => !(r.status === 503 && r.error === 'store_unavailable' && r.retryAfter !== null),
      ).length,
      chaos_disk_full_readyz_ready: readyWhileFull.ready ? 1 : 0,
      chaos_disk_full_recover_s: seconds(recovered - freedAt),
      store_fsync: storeFsync,
    };
  }

  async coordinatorKills(): Promise<Record<string, number>> {
    this.progress(`# coordinator: kill -9 x${this.config.coordinatorKills} under load`);
    const load = this.#load();
    let slowestRestart = 0;
    for (let i = 0; i < this.config.coordinatorKills; i++) {
      await sleep(this.config.coordinatorUpMs);
      await this.#coordinator.kill();
      const killedAt = performance.now();
      this.#coordinator = this.#spawnCoordinator();
      const coordinator = this.#coordinator;
      await waitFor(async () => {
        if (coordinator.child.exitCode !== null)
          throw new Error(`coordinator exited:\n${coordinator.output()}`);
        return (await fetch(`${this.#url}/readyz`)).ok;
      }, 60_000);
      slowestRestart = Math.max(slowestRestart, performance.now() - killedAt);
    }
    await sleep(this.config.coordinatorUpMs);
    const records = await load.stop();
    // Read the audit log with the coordinator stopped (one process per PGlite directory).
    await this.#coordinator.stop();
    const audit = await auditLog(this.stack.layout.coordinator.stateDir);
    this.#coordinator = this.#spawnCoordinator();
    const received = records.filter((r) => r.status === 200);
    const signed = await signerLogs(this.stack.layout.signers.map((s) => s.stateDir));
    return {
      chaos_coordinator_kill_tokens_received: received.length,
      chaos_coordinator_kill_tokens_missing: received.filter((r) => !audit.mints.has(r.jti!))
        .length,
      chaos_coordinator_restart_s: seconds(slowestRestart),
      // Cross-checks over the whole run: refusals and quorum losses are in the audit log,
      // and every token a client received is in the logs of the two signers it names.
      chaos_audit_quorum_loss_entries: audit.quorumLosses,
      chaos_audit_signer_refusal_entries: audit.refusals,
      chaos_signer_logs_damaged: signed.damaged,
      chaos_tokens_missing_from_signer_logs: received.filter(
        (r) => !r.signers!.every((id) => signed.byId[id - 1]!.has(r.jti!)),
      ).length,
    };
  }

  #spawnCoordinator(): DaemonProcess {
    return spawnCoordinator(this.stack.layout);
  }

  async stop(): Promise<void> {
    if (this.#coordinator !== this.stack.coordinator) await this.#coordinator.stop();
    await this.stack.stop();
  }
}

/** The coordinator's audit log: minted `jti`s, and how many refusals and quorum losses. */
async function auditLog(stateDir: string) {
  const entries = await readAuditLog(stateDir);
  const count = (type: string) => entries.filter((e) => e.type === type).length;
  return {
    mints: new Set(entries.filter((e) => e.type === 'mint').map((e) => e.jti as string)),
    quorumLosses: count('quorum_loss'),
    refusals: count('signer_refusal'),
  };
}

/** Each signer's own log (checked like `frostmint-signer log verify`): the ids it signed. */
async function signerLogs(stateDirs: readonly string[]) {
  let damaged = 0;
  const byId: Set<string>[] = [];
  for (const dir of stateDirs) {
    const path = join(dir, SIGNING_LOG_FILE);
    if (!(await verifySigningLog(path)).ok) damaged++;
    const text = await readFile(path, 'utf8').catch(() => '');
    const entries = text
      .split('\n')
      .filter((l) => l.endsWith('}'))
      .map((l) => JSON.parse(l) as { kind: string; id?: string });
    byId.push(new Set(entries.filter((e) => e.kind === 'signed').map((e) => e.id!)));
  }
  return { damaged, byId };
}

function failed(records: readonly MintRecord[]): MintRecord[] {
  return records.filter((r) => r.status !== 200);
}

/** `# failed: 503 quorum_unavailable ×3, …` when any mint of `records` failed, else ''. */
function failures(records: readonly MintRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of failed(records)) {
    const key = `${r.status} ${r.error}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Polls `probe` every 25 ms; resolves with the time it first held (performance.now()). */
async function waitFor(probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe().catch((err: unknown) => rethrowExit(err))) return performance.now();
    await sleep(25);
  }
  throw new Error(`chaos: condition not reached within ${timeoutMs} ms`);
}

function rethrowExit(err: unknown): false {
  if (err instanceof Error && err.message.startsWith('coordinator exited')) throw err;
  return false;
}

/**
 * Fills the file system of `dir` with `filler` to the last block. The store keeps writing
 * meanwhile, so free space can shrink between measuring and allocating: measure again and
 * retry, then fill the last bytes the same way. Returns the bytes still free.
 */
async function fillDisk(dir: string, filler: string): Promise<number> {
  let size = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const { bavail, bsize } = statfsSync(dir);
    if (bavail === 0) return 0;
    size += bavail * bsize;
    try {
      await run('fallocate', ['-l', String(size), filler]);
    } catch {
      size -= bavail * bsize;
    }
  }
  const { bavail, bsize } = statfsSync(dir);
  return bavail * bsize;
}

/** Resolves with the moment a TCP connection to `port` on loopback succeeds. */
async function listening(port: number): Promise<number> {
  return waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
  );
}

/** Mounts a size-limited tmpfs on `dir` (root only); the chaos suite fails without it. */
async function mountTmpfs(dir: string): Promise<void> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${COORDINATOR_DISK},mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    throw new Error(
      `chaos: cannot mount a tmpfs for the coordinator's state disk (needs root): ${(err as Error).message}`,
    );
  }
}
