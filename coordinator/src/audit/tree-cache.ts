import { MerkleTree } from '@frostmint/core';
import type { AuditStore } from '../storage/index.ts';

/** Leaves read from the store per call (the store's own cap). */
const READ_CHUNK = 10_000;

/**
 * The audit log's RFC 9162 Merkle tree, kept in memory (about 64 bytes per entry) and caught
 * up with the store on `sync()`: tree heads and proofs at any size in O(log n).
 *
 * @example
 * ```ts
 * const tree = new AuditTreeCache(store.audit);
 * const size = await tree.sync();
 * const proof = tree.inclusionProof(index, size);
 * ```
 */
export class AuditTreeCache {
  readonly #tree = new MerkleTree();
  #syncing: Promise<number> | undefined;

  constructor(private readonly store: AuditStore) {}

  /** Number of leaves cached. */
  get size(): number {
    return this.#tree.size;
  }

  /** Reads the leaves appended since the last sync; resolves to the new size. */
  sync(): Promise<number> {
    this.#syncing ??= this.#catchUp().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  root(size: number): Uint8Array {
    return this.#tree.root(size);
  }

  inclusionProof(index: number, size: number): Uint8Array[] {
    return this.#tree.inclusionProof(index, size);
  }

  consistencyProof(oldSize: number, size: number): Uint8Array[] {
    return this.#tree.consistencyProof(oldSize, size);
  }

  async #catchUp(): Promise<number> {
    const size = await this.store.size();
    while (this.#tree.size < size) {
      const leaves = await this.store.read(
        this.#tree.size,
        Math.min(size, this.#tree.size + READ_CHUNK),
      );
      if (leaves.length === 0) break;
      for (const leaf of leaves) this.#tree.append(leaf.leafHash);
    }
    return this.#tree.size;
  }
}
