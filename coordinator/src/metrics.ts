import { createRequire } from 'node:module';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SignerStatus } from './signing/signer-pool.ts';

/** Where the scrape-time gauges read from (the signer pool, the group, pending approvals). */
export interface MetricsSources {
  readonly signers?: () => readonly SignerStatus[];
  /** Signers a mint could ask now, and how many it needs; undefined before DKG. */
  readonly quorum?: () => { available: number; threshold: number } | undefined;
  /** Requests (mints and enrollments) waiting for guardian approvals. */
  readonly pendingApprovals?: () => Promise<number>;
  /** Audit entries appended and the transactions that carried them (group commit). */
  readonly auditAppends?: () => { entries: number; transactions: number };
}

/**
 * Seconds buckets for mints and signer RPCs: loopback rounds take milliseconds, a slow
 * signer is hedged at the RPC deadline (2 s by default), approvals are not in a mint's time.
 */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * The coordinator's Prometheus metrics, served at `/metrics`. Names follow the Prometheus
 * conventions (`frostmint_` prefix, base units, `_total` counters); every label has a
 * bounded set of values (signer ids, route templates, stable error codes) — subjects never
 * appear in a label (see `anomaly/` and docs/operators/observability.md).
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ signers: () => pool.status() });
 * metrics.policyDenials.inc({ reason: 'ttl_exceeds_max' });
 * ```
 */
export function createMetrics(sources: MetricsSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const signers = sources.signers ?? (() => []);
  const perSigner = (name: string, help: string, value: (s: SignerStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['signer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of signers()) this.set({ signer: String(s.id) }, value(s));
      },
    });
  new Gauge({
    name: 'frostmint_build_info',
    help: 'Always 1; the labels say which build runs (component, version, Node.js version)',
    labelNames: ['component', 'version', 'node_version'],
    registers: [registry],
  }).set({ component: 'coordinator', version, node_version: process.version }, 1);
  return {
    registry,
    mints: new Counter({
      name: 'frostmint_mints_total',
      help: 'Mint requests by outcome code (ok or the error code answered)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    mintDuration: new Histogram({
      name: 'frostmint_mint_duration_seconds',
      help: 'Time to answer POST /v1/mint, by outcome (ok, pending, or the error code)',
      labelNames: ['outcome'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'frostmint_http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status class (2xx, 4xx, 5xx)',
      labelNames: ['route', 'method', 'status_class'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    }),
    policyEvaluations: new Counter({
      name: 'frostmint_policy_evaluations_total',
      help: 'Policy evaluations on the coordinator by kind (mint, enrollment) and result (allow, deny)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    policyDenials: new Counter({
      name: 'frostmint_policy_denials_total',
      help: 'Policy denials by reason (a denial with several reasons counts once per reason)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    policyBundles: new Counter({
      name: 'frostmint_policy_bundles_total',
      help: 'Policy bundle submissions by outcome (installed, or the error code)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    signerAttested: new Gauge({
      name: 'frostmint_signer_attestation_verified',
      help: '1 when the signer has a fresh verified SEV-SNP attestation, else 0',
      labelNames: ['signer'],
      registers: [registry],
    }),
    signerAttestations: new Counter({
      name: 'frostmint_signer_attestations_total',
      help: 'Signer attestations by outcome (verified, or the failed check or error code)',
      labelNames: ['signer', 'outcome'],
      registers: [registry],
    }),
    signerRefusals: new Counter({
      name: 'frostmint_signer_refusals_total',
      help: 'Refusals and failures of signer calls during mints, by signer and code',
      labelNames: ['signer', 'code'],
      registers: [registry],
    }),
    signerCallDuration: new Histogram({
      name: 'frostmint_signer_call_duration_seconds',
      help: "Signer RPCs as the coordinator saw them, by signer, rpc (commit and sign are a mint's two rounds) and outcome (ok, error)",
      labelNames: ['signer', 'rpc', 'outcome'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    }),
    signerCallErrors: new Counter({
      name: 'frostmint_signer_call_errors_total',
      help: 'Failed signer RPCs by signer, rpc and stable error code (unavailable, deadline, refusal codes)',
      labelNames: ['signer', 'rpc', 'code'],
      registers: [registry],
    }),
    signerReachable: perSigner(
      'frostmint_signer_reachable',
      'Whether the last health poll reached the signer (1) or not (0)',
      (s) => (s.reachable ? 1 : 0),
    ),
    signerReady: perSigner(
      'frostmint_signer_ready',
      'Whether the signer reported itself ready (group key loaded, vault healthy) on its last poll',
      (s) => (s.ready ? 1 : 0),
    ),
    signerFaulty: perSigner(
      'frostmint_signer_faulty',
      'Whether the signer is excluded for returning an invalid share or commitment (1) or not (0)',
      (s) => (s.faultyUntil !== undefined ? 1 : 0),
    ),
    signerDegraded: new Gauge({
      name: 'frostmint_signer_degraded',
      help: '1 while the signer is degraded for the reason in the label (clock_skew, policy_mismatch, slow…)',
      labelNames: ['signer', 'reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of signers()) {
          if (s.degraded) this.set({ signer: String(s.id), reason: s.degraded.reason }, 1);
        }
      },
    }),
    signerClockOffset: new Gauge({
      name: 'frostmint_signer_clock_offset_seconds',
      help: "The signer's clock minus the coordinator's, from its last health answer",
      labelNames: ['signer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of signers()) {
          if (s.clockOffsetMs !== undefined)
            this.set({ signer: String(s.id) }, s.clockOffsetMs / 1000);
        }
      },
    }),
    quorumSigners: new Gauge({
      name: 'frostmint_quorum_signers_available',
      help: 'Signers a mint could ask now (reachable, ready, not faulty, clock in tolerance)',
      registers: [registry],
      collect() {
        const q = sources.quorum?.();
        if (q) this.set(q.available);
      },
    }),
    quorumThreshold: new Gauge({
      name: 'frostmint_quorum_threshold',
      help: 'Signers a mint needs (the group threshold); absent before DKG',
      registers: [registry],
      collect() {
        const q = sources.quorum?.();
        if (q) this.set(q.threshold);
      },
    }),
    quorumAvailable: new Gauge({
      name: 'frostmint_quorum_available',
      help: '1 while at least threshold signers are available, else 0 (0 before DKG)',
      registers: [registry],
      collect() {
        const q = sources.quorum?.();
        this.set(q && q.available >= q.threshold ? 1 : 0);
      },
    }),
    auditAppendedEntries: new Counter({
      name: 'frostmint_audit_appended_entries_total',
      help: 'Audit log entries appended (durable) since start',
      registers: [registry],
      collect() {
        const stats = sources.auditAppends?.();
        if (stats) setCounter(this, stats.entries);
      },
    }),
    auditAppendTransactions: new Counter({
      name: 'frostmint_audit_append_transactions_total',
      help: 'Committed transactions that carried audit appends (entries / transactions = group size)',
      registers: [registry],
      collect() {
        const stats = sources.auditAppends?.();
        if (stats) setCounter(this, stats.transactions);
      },
    }),
    auditUnloggedSignings: new Counter({
      name: 'frostmint_audit_unlogged_signings_total',
      help: 'Signing inputs a signer reported co-signed that no audit entry held, logged from its report (unlogged_signing entries): a coordinator stopped between signing and logging, or kept a token out of the log',
      labelNames: ['signer'],
      registers: [registry],
    }),
    pendingApprovals: new Gauge({
      name: 'frostmint_pending_approvals',
      help: 'Requests (mints and enrollments) waiting for guardian approvals',
      registers: [registry],
      async collect() {
        if (sources.pendingApprovals) this.set(await sources.pendingApprovals());
      },
    }),
    anomalies: new Counter({
      name: 'frostmint_anomalies_total',
      help: 'Credential-use anomalies detected in process, by kind (rate_spike, new_scope, off_hours, denial_burst)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    anomalySubjects: new Gauge({
      name: 'frostmint_anomaly_subjects_tracked',
      help: 'Subjects whose baselines the anomaly detector holds (bounded by its capacity)',
      registers: [registry],
    }),
    anomalyEvictions: new Counter({
      name: 'frostmint_anomaly_subjects_evicted_total',
      help: 'Subjects dropped from the anomaly detector (least recently seen) to stay within capacity',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A counter mirrors a monotonic count kept elsewhere (read at scrape time). */
function setCounter(counter: Counter, value: number): void {
  counter.reset();
  counter.inc(value);
}
