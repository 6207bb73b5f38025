import { Counter, Gauge, type Registry } from 'prom-client';

/** The witness client's metrics (labels: configured witness names and stable codes only). */
export interface WitnessMetrics {
  readonly cosignatures: Counter<'witness'>;
  readonly failures: Counter<'witness' | 'code'>;
  readonly unwitnessed: Counter;
  readonly witnessSize: Gauge<'witness'>;
}

/**
 * Registers the witness metrics on `registry`:
 * `frostmint_audit_witness_cosignatures_total{witness}`,
 * `frostmint_audit_witness_failures_total{witness,code}`,
 * `frostmint_audit_checkpoints_unwitnessed_total` (below `minCosignatures`) and
 * `frostmint_audit_witness_tree_size{witness}` (the size each witness last cosigned).
 *
 * @example
 * ```ts
 * const metrics = createWitnessMetrics(coordinatorMetrics.registry);
 * ```
 */
export function createWitnessMetrics(registry: Registry): WitnessMetrics {
  const registers = [registry];
  return {
    cosignatures: new Counter({
      name: 'frostmint_audit_witness_cosignatures_total',
      help: 'Checkpoint cosignatures received from each external witness, verified',
      labelNames: ['witness'],
      registers,
    }),
    failures: new Counter({
      name: 'frostmint_audit_witness_failures_total',
      help: 'Checkpoint submissions an external witness did not cosign, by witness and code',
      labelNames: ['witness', 'code'],
      registers,
    }),
    unwitnessed: new Counter({
      name: 'frostmint_audit_checkpoints_unwitnessed_total',
      help: 'Checkpoints with fewer witness cosignatures than audit.witnessing.minCosignatures',
      registers,
    }),
    witnessSize: new Gauge({
      name: 'frostmint_audit_witness_tree_size',
      help: 'The log size each external witness last cosigned',
      labelNames: ['witness'],
      registers,
    }),
  };
}
