import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  MerkleTree,
  treeHead,
} from '../../src/audit/index.ts';

const hex = (list: Uint8Array[]) => list.map((b) => Buffer.from(b).toString('hex'));

describe('MerkleTree (cached RFC 9162 tree)', () => {
  it('matches the reference functions for every size, index and old size up to 40', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const tree = new MerkleTree();
    expect(hex([tree.root()])).toEqual(hex([treeHead([])]));
    for (const leaf of leaves) tree.append(leaf);
    for (let n = 1; n <= leaves.length; n++) {
      const prefix = leaves.slice(0, n);
      expect(hex([tree.root(n)])).toEqual(hex([treeHead(prefix)]));
      for (let i = 0; i < n; i++)
        expect(hex(tree.inclusionProof(i, n))).toEqual(hex(inclusionProof(prefix, i)));
      for (let m = 1; m <= n; m++)
        expect(hex(tree.consistencyProof(m, n))).toEqual(hex(consistencyProof(prefix, m)));
    }
    expect(() => tree.root(41)).toThrow(RangeError);
    expect(() => tree.inclusionProof(5, 5)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0, 5)).toThrow(RangeError);
  });

  it('holds the hash of every complete subtree, and only those', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const tree = new MerkleTree();
    for (const leaf of leaves) tree.append(leaf);
    for (let level = 0; 2 ** level <= leaves.length; level++) {
      const span = 2 ** level;
      const complete = Math.floor(leaves.length / span);
      for (let i = 0; i < complete; i++) {
        expect(hex([tree.subtreeHash(level, i)])).toEqual(
          hex([treeHead(leaves.slice(i * span, (i + 1) * span))]),
        );
      }
      expect(() => tree.subtreeHash(level, complete)).toThrow(RangeError);
    }
    expect(() => tree.subtreeHash(6, 0)).toThrow(RangeError);
    expect(() => tree.subtreeHash(-1, 0)).toThrow(RangeError);
    expect(() => tree.subtreeHash(0, 1.5)).toThrow(RangeError);
  });

  it('cannot be altered through what it returns or was given', () => {
    const leaves = Array.from({ length: 4 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const tree = new MerkleTree();
    for (const leaf of leaves) tree.append(leaf);
    const root = hex([tree.root()]);
    leaves[0]!.fill(0);
    tree.subtreeHash(0, 1).fill(0);
    tree.root().fill(0);
    tree.inclusionProof(0)[0]!.fill(0);
    expect(hex([tree.root()])).toEqual(root);
    expect(() => tree.append(new Uint8Array(31))).toThrow(RangeError);
  });
});
