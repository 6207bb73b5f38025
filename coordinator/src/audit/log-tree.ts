import { InternalError, leafHash } from '@frostmint/core';
import type { AuditCheckpoint, AuditStore } from '../storage/index.ts';
import { HashTree } from './hash-tree.ts';

/** Leaves read from the store per query (its `read` cap). */
const READ_BATCH = 10_000;

/**
 * The coordinator's in-memory copy of the audit log's Merkle tree, filled from the store on
 * demand (any coordinator may have appended) and checked as it grows: every stored leaf hash
 * must be the hash of its stored entry, and a tree cut at a checkpoint's size must have the
 * checkpoint's root — otherwise `audit_log_inconsistent` (the database was altered), and
 * nothing is served from it.
 *
 * @example
 * ```ts
 * const tree = await logTree.at(await store.audit.latestCheckpoint());
 * tree.inclusionProof(index, checkpoint.treeSize);
 * ```
 */
export class LogTree {
  readonly #tree = new HashTree();
  #growing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Pick<AuditStore, 'read'>) {}

  /**
   * The tree, holding at least the checkpoint's leaves, after checking that their root is
   * the checkpoint's.
   */
  async at(checkpoint: Pick<AuditCheckpoint, 'treeSize' | 'rootHash'>): Promise<HashTree> {
    await this.#grow(checkpoint.treeSize);
    const root = this.#tree.root(checkpoint.treeSize);
    if (!Buffer.from(root).equals(Buffer.from(checkpoint.rootHash))) {
      throw new InternalError(
        'audit_log_inconsistent',
        `the stored entries do not hash to the checkpoint of size ${checkpoint.treeSize}`,
      );
    }
    return this.#tree;
  }

  /** Reads leaves `[tree size, size)` from the store, one grower at a time. */
  #grow(size: number): Promise<void> {
    const next = this.#growing.then(async () => {
      while (this.#tree.size < size) {
        const start = this.#tree.size;
        const leaves = await this.store.read(start, Math.min(size, start + READ_BATCH));
        if (leaves.length === 0) {
          throw new InternalError('audit_log_inconsistent', `audit leaf ${start} is missing`);
        }
        for (const leaf of leaves) {
          if (leaf.index !== this.#tree.size) {
            throw new InternalError(
              'audit_log_inconsistent',
              `audit leaf ${this.#tree.size} is missing`,
            );
          }
          const hash = leafHash(Buffer.from(leaf.entryJson, 'utf8'));
          if (!Buffer.from(hash).equals(Buffer.from(leaf.leafHash))) {
            throw new InternalError(
              'audit_log_inconsistent',
              `audit leaf ${leaf.index} does not hash to its stored leaf hash`,
            );
          }
          this.#tree.append(hash);
        }
      }
    });
    // A failed read must not wedge later callers; they retry from where the tree stands.
    this.#growing = next.catch(() => undefined);
    return next;
  }
}
