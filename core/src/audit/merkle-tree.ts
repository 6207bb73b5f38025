import { nodeHash } from './merkle.ts';

/** SHA-256 output length: every RFC 9162 node is this many bytes. */
const HASH_BYTES = 32;

/**
 * An append-only RFC 9162 Merkle tree that keeps the hash of every complete (power-of-two,
 * aligned) subtree, so tree heads, inclusion proofs, consistency proofs and C2SP tlog-tiles
 * tiles at any size cost O(log n) hashes instead of rehashing every leaf (merkle.ts's
 * functions do that). Memory: about two hashes per leaf, packed (about 64 bytes per entry,
 * up to twice that while a level's buffer waits to fill).
 *
 * @example
 * ```ts
 * const tree = new MerkleTree();
 * for (const leaf of leaves) tree.append(leaf);
 * const proof = tree.inclusionProof(5, tree.size);
 * ```
 */
export class MerkleTree {
  /** levels[l] holds, at i, the hash of the complete subtree of leaves [i·2^l, (i+1)·2^l). */
  readonly #levels: HashRow[] = [new HashRow()];

  /** Number of leaves. */
  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends one RFC 9162 leaf hash (`leafHash(entry)`). */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_BYTES) throw new RangeError('a leaf hash is 32 bytes');
    let hash = leaf;
    for (let level = 0; ; level++) {
      this.#levels[level] ??= new HashRow();
      const row = this.#levels[level]!;
      row.push(hash);
      // Every right child completes its parent (RFC 9162 §2.1.1): hash upward.
      if (row.length % 2 === 1) return;
      hash = nodeHash(row.view(row.length - 2), hash);
    }
  }

  /** RFC 9162 §2.1.1 MTH of the first `size` leaves. */
  root(size = this.size): Uint8Array {
    this.#checkSize(size);
    if (size === 0) return new Uint8Array(EMPTY_ROOT);
    return this.#hash(0, size);
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[size]). */
  inclusionProof(index: number, size = this.size): Uint8Array[] {
    this.#checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new RangeError('leaf index out of range');
    }
    return this.#path(index, 0, size);
  }

  /** RFC 9162 §2.1.4.1 PROOF(oldSize, D[size]). */
  consistencyProof(oldSize: number, size = this.size): Uint8Array[] {
    this.#checkSize(size);
    if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > size) {
      throw new RangeError('old size out of range');
    }
    return this.#subproof(oldSize, 0, size, true);
  }

  /**
   * MTH(D[index·2^level : (index+1)·2^level]), the hash of a complete subtree the tree holds
   * (level 0 is the leaf hash itself). These are the hashes C2SP tlog-tiles serves: a tile
   * of level L holds those of tree level 8·L. RangeError when the subtree is not complete.
   *
   * @example
   * ```ts
   * tree.subtreeHash(8, 0); // MTH of leaves [0, 256), hash 0 of tile 1/000
   * ```
   */
  subtreeHash(level: number, index: number): Uint8Array {
    const row = Number.isSafeInteger(level) && level >= 0 ? this.#levels[level] : undefined;
    if (row === undefined || !Number.isSafeInteger(index) || index < 0 || index >= row.length) {
      throw new RangeError(`no complete subtree ${index} at level ${level}`);
    }
    return row.copy(index);
  }

  /** MTH of leaves [start, end): start is aligned to the largest power of two below the span. */
  #hash(start: number, end: number): Uint8Array {
    const n = end - start;
    const level = Math.log2(n);
    if (Number.isInteger(level) && start % n === 0) return this.#levels[level]!.copy(start / n);
    const k = splitPoint(n);
    return nodeHash(this.#hash(start, start + k), this.#hash(start + k, end));
  }

  #path(index: number, start: number, end: number): Uint8Array[] {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return index < start + k
      ? [...this.#path(index, start, start + k), this.#hash(start + k, end)]
      : [...this.#path(index, start + k, end), this.#hash(start, start + k)];
  }

  #subproof(m: number, start: number, end: number, complete: boolean): Uint8Array[] {
    const n = end - start;
    if (m === n) return complete ? [] : [this.#hash(start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...this.#subproof(m, start, start + k, complete), this.#hash(start + k, end)]
      : [...this.#subproof(m - k, start + k, end, false), this.#hash(start, start + k)];
  }

  #checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`tree size ${size} out of range (0..${this.size})`);
    }
  }
}

/**
 * One level's hashes packed end to end in a buffer that doubles when full: 32 bytes per
 * hash instead of a typed-array object each (several times that on the V8 heap).
 */
class HashRow {
  #bytes = new Uint8Array(HASH_BYTES * 16);
  length = 0;

  push(hash: Uint8Array): void {
    const at = this.length * HASH_BYTES;
    if (at + HASH_BYTES > this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes.set(hash, at);
    this.length += 1;
  }

  /** Hash `i` without copying (valid until the next push). */
  view(i: number): Uint8Array {
    return this.#bytes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }

  /** Hash `i`, copied out so no caller can alter the tree. */
  copy(i: number): Uint8Array {
    return this.#bytes.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }
}

/** SHA-256 of the empty string: RFC 9162 §2.1.1 MTH({}). */
const EMPTY_ROOT = Buffer.from(
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'hex',
);

/** The largest power of two smaller than `n` (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
