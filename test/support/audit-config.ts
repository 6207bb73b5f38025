import type { CoordinatorConfig } from '@frostmint/coordinator';
import { DEFAULT_AUDIT_ORIGIN } from '@frostmint/core';

/**
 * The coordinator's `audit` section the transparency-log tests run with: a checkpoint every
 * 200 ms while the log grows, inclusion proofs for up to 1000 entries each.
 *
 * @example
 * ```ts
 * const stack = await startTestStack({ audit: { coordinator: testCheckpointing(ORIGIN) } });
 * ```
 */
export function testCheckpointing(
  origin = DEFAULT_AUDIT_ORIGIN,
): NonNullable<CoordinatorConfig['audit']> {
  return {
    origin,
    checkpointIntervalMs: 200,
    checkpointEntries: 256,
    maxEntriesPerCheckpoint: 1000,
  };
}
