import {
  COORDINATOR_ENTRY,
  type DaemonProcess,
  DEV_BEARER_ENV,
  DEV_PASSPHRASE_ENV,
  type DevLayout,
  spawnDaemon,
} from '@frostmint/cli';
import { openCoordinatorStore } from '@frostmint/coordinator';

/**
 * Spawns another coordinator process of a dev stack (after the first was stopped or
 * killed, or with a changed configuration file), with the stack's dev secrets.
 *
 * @example
 * ```ts
 * await stack.coordinator.stop();
 * const coordinator = spawnCoordinator(stack.layout);
 * ```
 */
export function spawnCoordinator(layout: DevLayout): DaemonProcess {
  return spawnDaemon('coordinator', COORDINATOR_ENTRY, layout.coordinatorConfigPath, {
    [DEV_PASSPHRASE_ENV]: layout.passphrase,
    [DEV_BEARER_ENV]: layout.bearer,
  });
}

/** One audit log entry as the coordinator wrote it (`type` and its own fields). */
export type AuditEntry = { type: string } & Record<string, unknown>;

/**
 * Every entry of a coordinator's audit log, read from its embedded store. The coordinator
 * must be stopped first (one process per PGlite directory).
 *
 * @example
 * ```ts
 * const entries = await readAuditLog(stack.layout.coordinator.stateDir);
 * ```
 */
export async function readAuditLog(stateDir: string): Promise<AuditEntry[]> {
  const store = await openCoordinatorStore({ stateDir });
  try {
    const size = await store.audit.size();
    const entries: AuditEntry[] = [];
    // The store hands out at most 10,000 leaves per read.
    for (let at = 0; at < size; at += 10_000) {
      const leaves = await store.audit.read(at, Math.min(size, at + 10_000));
      entries.push(...leaves.map((l) => JSON.parse(l.entryJson) as AuditEntry));
    }
    return entries;
  } finally {
    await store.close();
  }
}
