import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  treeHead,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leaves = (n: number) =>
  Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));

describe('RFC 9162 Merkle tree', () => {
  it('hashes the empty tree, one leaf and two leaves as the RFC defines', () => {
    expect(hex(treeHead([]))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const [a, b] = leaves(2) as [Uint8Array, Uint8Array];
    expect(hex(treeHead([a]))).toBe(hex(a));
    expect(hex(treeHead([a, b]))).toBe(hex(nodeHash(a, b)));
    expect(hex(leafHash(new Uint8Array(0)))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
  });

  it('proves and verifies inclusion of every leaf for trees of 1..33 leaves', () => {
    for (let n = 1; n <= 33; n++) {
      const ls = leaves(n);
      const root = treeHead(ls);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(ls, i);
        expect(verifyInclusion(ls[i]!, i, n, proof, root)).toBe(true);
        expect(verifyInclusion(ls[i]!, (i + 1) % n, n, proof, root) && n > 1).toBe(false);
      }
    }
  });

  it('rejects a tampered inclusion proof', () => {
    const ls = leaves(7);
    const proof = inclusionProof(ls, 3);
    proof[1] = leafHash(Buffer.from('forged'));
    expect(verifyInclusion(ls[3]!, 3, 7, proof, treeHead(ls))).toBe(false);
  });

  it('proves that every older tree is a prefix of every newer one', () => {
    for (let n = 1; n <= 20; n++) {
      const ls = leaves(n);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(ls, m);
        expect(verifyConsistency(m, n, proof, treeHead(ls.slice(0, m)), treeHead(ls))).toBe(true);
      }
    }
  });

  it('rejects a history rewrite: an old head that the new tree does not extend', () => {
    const ls = leaves(9);
    const rewritten = [...ls.slice(0, 3), leafHash(Buffer.from('rewritten')), ...ls.slice(4)];
    const proof = consistencyProof(rewritten, 5);
    expect(verifyConsistency(5, 9, proof, treeHead(ls.slice(0, 5)), treeHead(rewritten))).toBe(
      false,
    );
  });
});
