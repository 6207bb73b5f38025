import { join } from 'node:path';
import {
  type GroupConfig,
  type GroupConfigV2,
  parseGroupConfig,
  readGroupConfig,
  writeGroupConfig,
} from '@frostmint/core';
import type { CoordinatorConfig } from '../config.ts';
import { GroupLifecycle } from '../keys/group-lifecycle.ts';
import { openCoordinatorStore } from '../storage/index.ts';
import type { GroupKeyState } from '../storage/store.ts';

/** Where {@link recordCeremonyOutcome} put the configuration, for the operator. */
export interface RecordedOutcome {
  /** `store` (PostgreSQL, read by every coordinator) or the `group.json` path written. */
  readonly where: string;
  /** The key's state in the store (PostgreSQL only: a PGlite coordinator decides on import). */
  readonly state?: GroupKeyState;
}

/**
 * Hands a ceremony's signed group configuration to the coordinators. With PostgreSQL it
 * goes into the shared store, with the signer endpoints that ran the ceremony, where every coordinator picks it up at its next poll: a
 * refresh or signer replacement replaces the key's epoch in place; a new DKG's key is
 * current when there is none, else published as next. Embedded PGlite belongs to the one
 * coordinator process that runs on it, so it is written as `group.json` in that
 * coordinator's state directory, which the coordinator imports at its next poll the same way.
 *
 * @example
 * ```ts
 * const { where, state } = await recordCeremonyOutcome(coordinatorConfig, signed);
 * ```
 */
export async function recordCeremonyOutcome(
  config: CoordinatorConfig,
  group: GroupConfigV2,
): Promise<RecordedOutcome> {
  if (config.storage?.backend !== 'postgres') {
    await writeGroupConfig(config.stateDir, group);
    return { where: join(config.stateDir, 'group.json') };
  }
  const store = await openCoordinatorStore({ stateDir: config.stateDir, storage: config.storage });
  try {
    // Retention and pre-publish windows do not apply to recording.
    const lifecycle = new GroupLifecycle({
      store: store.groups,
      retainSeconds: 0,
      prepublishSeconds: 0,
    });
    const row = await lifecycle.record(group, 'ceremony', config.signers);
    return { where: 'store', state: row.state };
  } finally {
    await store.close();
  }
}

/**
 * The group configuration the coordinators sign with (the store's current one with
 * PostgreSQL, `group.json` with PGlite): what a signer replacement hands the new signer.
 *
 * @example
 * ```ts
 * const group = await currentGroupConfig(coordinatorConfig); // undefined before DKG
 * ```
 */
export async function currentGroupConfig(
  config: CoordinatorConfig,
): Promise<GroupConfig | undefined> {
  if (config.storage?.backend !== 'postgres') return readGroupConfig(config.stateDir);
  const store = await openCoordinatorStore({ stateDir: config.stateDir, storage: config.storage });
  try {
    const current = (await store.groups.list()).find((r) => r.state === 'current');
    return current && parseGroupConfig(current.config, "the store's current group configuration");
  } finally {
    await store.close();
  }
}
