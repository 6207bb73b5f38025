import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import {
  observedPolicyEngine,
  type PolicyEngine,
  type PolicyEvaluation,
  type PolicyHolder,
} from '@frostmint/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ShareBinding, ShareVault } from './vault/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Seconds buckets: a soft vault answers in microseconds, a PKCS#11 token in milliseconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * A signer's own Prometheus metrics (served by {@link startMetricsListener} on
 * `metricsListen`, never on the mTLS port): requests by RPC and outcome, vault operation
 * latency, its own policy decisions, and `frostmint_build_info`. Every label value comes
 * from a closed set (RPC names, stable error codes, vault operations).
 *
 * @example
 * ```ts
 * const metrics = createSignerMetrics({ signer: 1, vault: 'pkcs11' });
 * metrics.requests.inc({ rpc: 'Sign', outcome: 'ok', code: 'ok' });
 * ```
 */
export function createSignerMetrics(labels: { signer: number; vault: string }) {
  const registry = new Registry();
  registry.setDefaultLabels({ signer: String(labels.signer) });
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'frostmint_build_info',
    help: 'Always 1; the labels say which build runs (component, version, Node.js version, vault kind)',
    labelNames: ['component', 'version', 'node_version', 'vault'],
    registers: [registry],
  }).set({ component: 'signer', version, node_version: process.version, vault: labels.vault }, 1);
  const policyEvaluations = new Counter({
    name: 'frostmint_signer_policy_evaluations_total',
    help: "The signer's own policy decisions by kind (mint, enrollment) and result (allow, deny)",
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  for (const kind of ['mint', 'enrollment'])
    for (const result of ['allow', 'deny']) policyEvaluations.inc({ kind, result }, 0);
  return {
    registry,
    requests: new Counter({
      name: 'frostmint_signer_requests_total',
      help: 'RPCs this signer answered, by rpc, outcome (ok, refused, error) and stable code (ok when answered)',
      labelNames: ['rpc', 'outcome', 'code'],
      registers: [registry],
    }),
    calls: new Counter({
      name: 'frostmint_signer_calls_total',
      help: 'gRPC calls this signer received, by rpc (a SignBatch or a PreprocessCommitments stream is one call)',
      labelNames: ['rpc'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'frostmint_signer_request_duration_seconds',
      help: 'Time this signer took to answer an RPC, by rpc and outcome',
      labelNames: ['rpc', 'outcome'],
      buckets: BUCKETS,
      registers: [registry],
    }),
    vaultDuration: new Histogram({
      name: 'frostmint_signer_vault_operation_duration_seconds',
      help: 'Share vault (PKCS#11 token or dev file) operations by operation and outcome (ok, error)',
      labelNames: ['operation', 'outcome'],
      buckets: BUCKETS,
      registers: [registry],
    }),
    policyEvaluations,
  };
}

export type SignerMetrics = ReturnType<typeof createSignerMetrics>;

/** Outcome of one answered RPC: `code` absent on success, else the stable code sent. */
export interface SignerRpcOutcome {
  readonly rpc: string;
  readonly seconds: number;
  readonly code?: string;
}

/**
 * Counts one answered RPC: `ok`, `refused` (a stable refusal code) or `error` (`internal`).
 *
 * @example
 * ```ts
 * signerService(daemon, { coordinatorName, log, onAnswer: (o) => recordRpc(metrics, o) });
 * ```
 */
export function recordRpc(metrics: SignerMetrics, o: SignerRpcOutcome): void {
  const outcome = o.code === undefined ? 'ok' : o.code === 'internal' ? 'error' : 'refused';
  metrics.requests.inc({ rpc: o.rpc, outcome, code: o.code ?? 'ok' });
  metrics.requestDuration.observe({ rpc: o.rpc, outcome }, o.seconds);
}

/**
 * Counts one gRPC call received (`frostmint_signer_calls_total`), streams included.
 *
 * @example
 * ```ts
 * signerService(daemon, { coordinatorName, log, onCall: (rpc) => recordCall(metrics, rpc) });
 * ```
 */
export function recordCall(metrics: SignerMetrics, rpc: string): void {
  metrics.calls.inc({ rpc });
}

/**
 * A `ShareVault` that times every operation into
 * `frostmint_signer_vault_operation_duration_seconds` (`withShare` is timed around the
 * vault's own work and the use of the share; the share itself is never seen here).
 *
 * @example
 * ```ts
 * const vault = instrumentVault(openVault(config, log), metrics);
 * ```
 */
export function instrumentVault(vault: ShareVault, metrics: SignerMetrics): ShareVault {
  const timed = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    const end = metrics.vaultDuration.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  };
  return {
    kind: vault.kind,
    store: (b: ShareBinding, share: Uint8Array) => timed('store', () => vault.store(b, share)),
    withShare<T>(b: ShareBinding, use: (share: Uint8Array) => T | Promise<T>) {
      return timed('with_share', () => vault.withShare(b, use));
    },
    has: (b) => timed('has', () => vault.has(b)),
    health: () => timed('health', () => vault.health()),
    close: () => vault.close(),
  };
}

/**
 * The signer's policy holder, its engines counting their decisions into
 * `frostmint_signer_policy_evaluations_total`.
 *
 * @example
 * ```ts
 * enforcePolicy(countedHolder(holder, metrics), checked, requester, { now, log });
 * ```
 */
export function countedHolder(
  holder: Pick<PolicyHolder, 'current' | 'resolve'>,
  observe: (e: PolicyEvaluation) => void,
): Pick<PolicyHolder, 'current' | 'resolve'> {
  const counted = (engine: PolicyEngine) => observedPolicyEngine(engine, observe);
  return {
    get current() {
      return counted(holder.current);
    },
    resolve: (id) => {
      const engine = holder.resolve(id);
      return engine && counted(engine);
    },
  };
}

/**
 * The audit-log witness gauges, read at scrape time: `frostmint_signer_unlogged_overdue`
 * (tokens co-signed but still not in the log after the maximum merge delay; above 0 the
 * signer refuses to sign) and `frostmint_signer_checkpoint_size` (the last co-signed tree).
 *
 * @example
 * ```ts
 * witnessMetrics(metrics.registry, daemon.witness);
 * ```
 */
export function witnessMetrics(
  registry: Registry,
  witness: { overdue(): number; readonly checkpointSize: number },
): void {
  new Gauge({
    name: 'frostmint_signer_unlogged_overdue',
    help: 'Tokens and certificates this signer co-signed that are not in the audit log after the maximum merge delay (above 0 it refuses to sign)',
    registers: [registry],
    collect() {
      this.set(witness.overdue());
    },
  });
  new Gauge({
    name: 'frostmint_signer_checkpoint_size',
    help: 'Tree size of the last audit-log checkpoint this signer co-signed',
    registers: [registry],
    collect() {
      this.set(witness.checkpointSize);
    },
  });
}

/** The observer {@link countedHolder} takes, counting into the signer's metrics. */
export function policyCounter(metrics: SignerMetrics): (e: PolicyEvaluation) => void {
  return (e) => metrics.policyEvaluations.inc({ kind: e.kind, result: e.allow ? 'allow' : 'deny' });
}

/**
 * Serves `GET /metrics` (Prometheus text format) in plain HTTP on `address` — a listener of
 * its own, separate from the mTLS gRPC port, answering nothing else (404).
 *
 * @example
 * ```ts
 * const listener = await startMetricsListener('0.0.0.0:9464', metrics.registry);
 * await listener.close();
 * ```
 */
export async function startMetricsListener(
  address: string,
  registry: Registry,
): Promise<{ port: number; close(): Promise<void> }> {
  const at = address.lastIndexOf(':');
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(at + 1)), address.slice(0, at), () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound ? bound.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
