import { FrostmintError } from '@frostmint/core';

/** How a submission to one external witness failed (see core's ERROR_CODES). */
export type WitnessErrorCode =
  | 'witness_unreachable'
  | 'witness_refused'
  | 'witness_inconsistent'
  | 'witness_conflict'
  | 'witness_answer_invalid';

/**
 * One witness did not cosign a checkpoint: why, and which witness.
 *
 * @example
 * ```ts
 * if (err instanceof WitnessError) metrics.witnessFailures.inc({ witness: err.witness, code: err.code });
 * ```
 */
export class WitnessError extends FrostmintError {
  declare readonly code: WitnessErrorCode;
  constructor(
    code: WitnessErrorCode,
    readonly witness: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, `witness ${witness}: ${message}`, options);
  }
}
