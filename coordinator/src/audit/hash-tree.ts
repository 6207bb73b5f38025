import { createHash } from 'node:crypto';
import { nodeHash } from '@frostmint/core';

/** Hashes of one tlog-tiles tile: 256 for a full one (C2SP tlog-tiles, "Merkle Tree"). */
export const TILE_WIDTH = 256;
/** Tree levels one tile spans: 256 = 2^8. */
export const TILE_HEIGHT = 8;

/**
 * An append-only RFC 9162 Merkle tree that keeps the hash of every complete subtree
 * (`level h`, `index i` = MTH of leaves `[i·2^h, (i+1)·2^h)`), so any root, inclusion proof
 * or tlog tile of any size up to the current one costs O(log n) hashing, not O(n).
 * About two hashes per leaf are held (64 bytes per entry).
 *
 * @example
 * ```ts
 * const tree = new HashTree();
 * for (const leaf of leaves) tree.append(leaf);
 * tree.inclusionProof(3, tree.size); // RFC 9162 §2.1.3.1 PATH(3, D[n])
 * ```
 */
export class HashTree {
  readonly #levels: Uint8Array[][] = [[]];

  /** Number of leaves. */
  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends a leaf hash (RFC 9162 §2.1.1 `HASH(0x00 || entry)`, computed by the caller). */
  append(leafHash: Uint8Array): void {
    let level = 0;
    let index = this.#levels[0]!.push(leafHash) - 1;
    // Every right child completes its parent: hash upward while the index is odd.
    while ((index & 1) === 1) {
      const row = this.#levels[level]!;
      const parent = nodeHash(row[index - 1]!, row[index]!);
      level += 1;
      this.#levels[level] ??= [];
      this.#levels[level]!.push(parent);
      index >>= 1;
    }
  }

  /** RFC 9162 §2.1.1 MTH of the first `size` leaves (the empty tree hashes to `HASH()`). */
  root(size: number): Uint8Array {
    this.#checkSize(size);
    if (size === 0) return new Uint8Array(createHash('sha256').digest());
    return this.#range(0, size);
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[size]). */
  inclusionProof(index: number, size: number): Uint8Array[] {
    this.#checkSize(size);
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError('leaf index out of range');
    }
    return this.#path(index, 0, size);
  }

  /**
   * The hashes of tile `index` at tile level `level` in the tree of `size` leaves, `width` of
   * them (C2SP tlog-tiles: `MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l])`), or
   * undefined when the tree of that size does not have them.
   */
  tile(level: number, index: number, width: number, size: number): Uint8Array[] | undefined {
    this.#checkSize(size);
    const height = level * TILE_HEIGHT;
    const first = index * TILE_WIDTH;
    // Complete subtrees at `height` within the first `size` leaves.
    const available = Math.floor(size / 2 ** height);
    if (first + width > available) return undefined;
    const row = this.#levels[height];
    if (row === undefined) return undefined;
    return row.slice(first, first + width);
  }

  /** The leaf hashes `[start, end)`. */
  leaves(start: number, end: number): Uint8Array[] {
    return this.#levels[0]!.slice(start, end);
  }

  /** MTH(D[start:end]) where `start` is a multiple of the largest power of two < end - start. */
  #range(start: number, end: number): Uint8Array {
    const n = end - start;
    if ((n & (n - 1)) === 0 && start % n === 0) {
      return this.#levels[Math.log2(n)]![start / n]!;
    }
    const k = splitPoint(n);
    return nodeHash(this.#range(start, start + k), this.#range(start + k, end));
  }

  /** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1, over the subtree `[start, end)`. */
  #path(m: number, start: number, end: number): Uint8Array[] {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...this.#path(m, start, start + k), this.#range(start + k, end)]
      : [...this.#path(m - k, start + k, end), this.#range(start, start + k)];
  }

  #checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`tree size ${size} out of range (have ${this.size})`);
    }
  }
}

/** The largest power of two smaller than `n` (n > 1), RFC 9162 §2.1.1's `k`. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
