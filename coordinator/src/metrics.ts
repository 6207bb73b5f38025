import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { SignerStatus } from './signing/signer-pool.ts';

/** Where the per-signer gauges read from at scrape time (the signer pool). */
export interface MetricsSources {
  readonly signers?: () => readonly SignerStatus[];
}

/**
 * The coordinator's Prometheus metrics, served at `/metrics`.
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
  return {
    registry,
    mints: new Counter({
      name: 'frostmint_mints_total',
      help: 'Mint requests by outcome code (ok or the error code answered)',
      labelNames: ['outcome'],
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
