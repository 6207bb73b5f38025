import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * The coordinator's Prometheus metrics, served at `/metrics`.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * metrics.policyDenials.inc({ reason: 'ttl_exceeds_max' });
 * ```
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
