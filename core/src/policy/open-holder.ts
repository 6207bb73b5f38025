import type { Logger } from 'pino';
import type { GuardianSet } from '../ceremony/guardian-key.ts';
import { PolicyHolder } from './bundle-update.ts';
import { loadPolicyFiles } from './engine.ts';
import { readInstalledBundle } from './signed-bundle.ts';

export interface OpenPolicyHolderOptions {
  /** The configured policy files: in force until a guardian-approved bundle replaces them. */
  readonly files: { wasm: string; data: string };
  /** Where an installed bundle is kept (`policy-bundle.json`). */
  readonly stateDir: string;
  /** The guardians who approve bundles, asked at each update. */
  readonly approvers: () => GuardianSet | undefined;
  readonly log: Logger;
  readonly graceMs?: number;
}

/**
 * The policy a process starts with: the configured files, replaced by the bundle it
 * installed earlier when that bundle still verifies against today's guardians (otherwise
 * the files, with an error in the log). Rejections are logged at error level.
 *
 * @example
 * ```ts
 * const holder = await openPolicyHolder({ files: config.policy, stateDir, approvers, log });
 * ```
 */
export async function openPolicyHolder(options: OpenPolicyHolderOptions): Promise<PolicyHolder> {
  const { log } = options;
  const holder = new PolicyHolder(await loadPolicyFiles(options.files), {
    approvers: options.approvers,
    ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
    onRejected: (err) =>
      log.error({ code: err.code, reason: err.message }, 'policy bundle rejected'),
  });
  const saved = await readInstalledBundle(options.stateDir).catch((err: Error) => {
    log.error({ reason: err.message }, 'installed policy bundle unreadable');
    return undefined;
  });
  if (saved) {
    await holder.update(saved).catch(() => {
      log.error(
        { policy: saved.id },
        'installed policy bundle no longer verifies: running the configured policy',
      );
    });
  }
  log.info(
    { policy: holder.current.id, source: holder.bundle ? 'bundle' : 'files' },
    'policy loaded',
  );
  return holder;
}
