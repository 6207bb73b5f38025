import type { AuditStore } from '../storage/index.ts';
import type { Checkpointer, CutCheckpoint } from './checkpointer.ts';

/**
 * Read access to the quorum-signed checkpoints for the receipt, tiles and CLI code: the
 * latest one, and one covering a leaf (waiting for the checkpointer when asked to).
 *
 * @example
 * ```ts
 * const checkpoints = new AuditCheckpoints(store.audit, checkpointer);
 * const covering = await checkpoints.covering(index, { waitMs: 5000 });
 * ```
 */
export class AuditCheckpoints {
  constructor(
    private readonly store: AuditStore,
    private readonly checkpointer?: Checkpointer,
  ) {}

  /** The signed checkpoint with the largest tree size, or null. */
  async latest(): Promise<CutCheckpoint | null> {
    const row = await this.store.latestCheckpoint();
    return (
      row && {
        size: row.treeSize,
        root: row.rootHash,
        note: Buffer.from(row.signed).toString('utf8'),
      }
    );
  }

  /**
   * A signed checkpoint whose tree holds leaf `index` (the latest, when it does), or null;
   * with `waitMs`, waits up to that long for the checkpointer to cut one.
   */
  async covering(index: number, options: { waitMs?: number } = {}): Promise<CutCheckpoint | null> {
    // Listen before reading, so a checkpoint cut in between is not missed.
    const waiting =
      options.waitMs && this.checkpointer
        ? this.checkpointer.waitCovering(index, options.waitMs)
        : undefined;
    const latest = await this.latest();
    if (latest && latest.size > index) return latest;
    return (await waiting) ?? null;
  }
}
