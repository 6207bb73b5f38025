import { nodeHash } from './merkle.ts';

/**
 * An append-only RFC 9162 Merkle tree that keeps the hash of every complete (power-of-two,
 * aligned) subtree, so tree heads, inclusion proofs and consistency proofs at any size cost
 * O(log n) hashes instead of rehashing every leaf (merkle.ts's functions do that). Memory:
 * about two hashes per leaf.
 *
 * @example
 * ```ts
 * const tree = new MerkleTree();
 * for (const leaf of leaves) tree.append(leaf);
 * const proof = tree.inclusionProof(5, tree.size);
 * ```
 */
export class MerkleTree {
  /** levels[l][i]: hash of the complete subtree of leaves [i·2^l, (i+1)·2^l). */
  readonly #levels: Uint8Array[][] = [[]];

  /** Number of leaves. */
  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends one RFC 9162 leaf hash (`leafHash(entry)`). */
  append(leaf: Uint8Array): void {
    let hash = leaf;
    for (let level = 0; ; level++) {
      if (this.#levels[level] === undefined) this.#levels[level] = [];
      const row = this.#levels[level]!;
      row.push(hash);
      if (row.length % 2 === 1) return;
      hash = nodeHash(row[row.length - 2]!, hash);
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

  /** MTH of leaves [start, end): start is aligned to the largest power of two below the span. */
  #hash(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 1) return this.#levels[0]![start]!;
    const level = Math.log2(n);
    if (Number.isInteger(level) && start % n === 0) return this.#levels[level]![start / n]!;
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
