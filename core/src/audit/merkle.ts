import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Merkle tree hashing of RFC 9162 §2.1 (Certificate Transparency v2), SHA-256.
 * Leaves are hashed with a 0x00 prefix, interior nodes with 0x01, so a leaf can never be
 * passed off as a node (second-preimage resistance).
 */

/** RFC 9162 §2.1.1: `HASH(0x00 || leaf)`. */
export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(0), entry));
}

/** RFC 9162 §2.1.1: `HASH(0x01 || left || right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * RFC 9162 §2.1.1 MTH over leaf hashes: the empty tree hashes to `HASH()`.
 *
 * @example
 * ```ts
 * const root = treeHead(entries.map(leafHash));
 * ```
 */
export function treeHead(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(treeHead(leaves.slice(0, k)), treeHead(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the inclusion proof of leaf `index`. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  if (leaves.length === 1) return [];
  const k = splitPoint(leaves.length);
  return index < k
    ? [...inclusionProof(leaves.slice(0, k), index), treeHead(leaves.slice(k))]
    : [...inclusionProof(leaves.slice(k), index - k), treeHead(leaves.slice(0, k))];
}

/**
 * RFC 9162 §2.1.3.2: checks that `leaf` is at `index` of the tree of `size` with `root`.
 *
 * @example
 * ```ts
 * verifyInclusion(leafHash(entry), receipt.index, receipt.size, receipt.proof, checkpoint.root);
 * ```
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): that the tree of size `m` is a prefix of `leaves`. */
export function consistencyProof(leaves: readonly Uint8Array[], m: number): Uint8Array[] {
  if (m < 1 || m > leaves.length) throw new RangeError('old size out of range');
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [treeHead(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), treeHead(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), treeHead(leaves.slice(0, k))];
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree (`size2`, `root2`) extends (`size1`, `root1`).
 * Signers run this before co-signing a new checkpoint.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (size1 < 1 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  let path = [...proof];
  if (isPowerOfTwo(size1)) path = [root1, ...path];
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while ((fn & 1) === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equal(fr, root1) && equal(sr, root2);
}

/** The largest power of two smaller than `n` (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
