import { InternalError, leafHash, MerkleTree } from '@frostmint/core';
import type { AuditCheckpoint, AuditStore } from '../storage/index.ts';

/** Leaves read from the store per query (its `read` cap). */
const READ_BATCH = 10_000;

/**
 * The audit log's RFC 9162 Merkle tree: one per coordinator, shared by the checkpointer,
 * receipts and tlog tiles. Loaded from the store once, then caught up with the leaves any
 * coordinator appended since (`sync`, or `at` a checkpoint), and checked as it grows: every
 * stored leaf hash must be the hash of its stored entry, and a tree cut at a checkpoint's
 * size must have the checkpoint's root — otherwise `audit_log_inconsistent` (the database
 * was altered), and nothing is signed or served from it. Memory: about 64 bytes per entry.
 *
 * @example
 * ```ts
 * const tree = new LogTree(store.audit);
 * const size = await tree.sync(); // the checkpointer: the whole log
 * const proof = (await tree.at(checkpoint)).inclusionProof(index, checkpoint.treeSize);
 * ```
 */
export class LogTree {
  readonly #tree = new MerkleTree();
  #growing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Pick<AuditStore, 'read' | 'size'>) {}

  /** Number of leaves held. */
  get size(): number {
    return this.#tree.size;
  }

  /** Reads the leaves appended since the last call; resolves to the new size. */
  async sync(): Promise<number> {
    await this.#grow(await this.store.size());
    return this.#tree.size;
  }

  /**
   * The tree, holding at least the checkpoint's leaves, after checking that their root is
   * the checkpoint's.
   */
  async at(checkpoint: Pick<AuditCheckpoint, 'treeSize' | 'rootHash'>): Promise<LogTree> {
    await this.#grow(checkpoint.treeSize);
    const root = this.#tree.root(checkpoint.treeSize);
    if (!Buffer.from(root).equals(Buffer.from(checkpoint.rootHash))) {
      throw new InternalError(
        'audit_log_inconsistent',
        `the stored entries do not hash to the checkpoint of size ${checkpoint.treeSize}`,
      );
    }
    return this;
  }

  /** RFC 9162 §2.1.1 MTH of the first `size` leaves. */
  root(size: number): Uint8Array {
    return this.#tree.root(size);
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[size]). */
  inclusionProof(index: number, size: number): Uint8Array[] {
    return this.#tree.inclusionProof(index, size);
  }

  /** RFC 9162 §2.1.4.1 PROOF(oldSize, D[size]). */
  consistencyProof(oldSize: number, size: number): Uint8Array[] {
    return this.#tree.consistencyProof(oldSize, size);
  }

  /** The hash of a complete subtree (see `MerkleTree.subtreeHash`); level 0 is a leaf hash. */
  subtreeHash(level: number, index: number): Uint8Array {
    return this.#tree.subtreeHash(level, index);
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
