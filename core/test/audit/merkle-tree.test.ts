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
});
