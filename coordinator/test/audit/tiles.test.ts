import { leafHash, MerkleTree, treeHead } from '@frostmint/core';
import { describe, expect, it } from 'vitest';
import {
  decodeEntryBundle,
  decodeHashTile,
  encodeEntryBundle,
  encodeHashTile,
  parseTilePath,
  type TileId,
  tileHashes,
  tilePath,
  tilesOfTree,
  verifyTiles,
} from '../../src/audit/tiles.ts';

const entry = (i: number) => Buffer.from(JSON.stringify({ type: 'mint', jti: `j${i}` }), 'utf8');

function treeOf(size: number): { tree: MerkleTree; leaves: Uint8Array[]; entries: Uint8Array[] } {
  const tree = new MerkleTree();
  const entries = Array.from({ length: size }, (_, i) => entry(i));
  const leaves = entries.map((e) => leafHash(e));
  for (const leaf of leaves) tree.append(leaf);
  return { tree, leaves, entries };
}

/** Serves a tree's tiles as the coordinator does: from the hash tree and the entries. */
function readerOf(tree: MerkleTree, entries: Uint8Array[], size: number) {
  return async (tile: TileId) => {
    if (tile.kind === 'entries') {
      const start = tile.index * 256;
      return encodeEntryBundle(entries.slice(start, start + tile.width));
    }
    const hashes = tileHashes(tree, tile, size);
    if (!hashes) throw new Error(`no ${tilePath(tile)}`);
    return encodeHashTile(hashes);
  };
}

describe('tlog tiles', () => {
  it('encodes tile indexes as the spec shows', () => {
    expect(tilePath({ kind: 'entries', index: 1234067, width: 256 })).toBe(
      'tile/entries/x001/x234/067',
    );
    expect(tilePath({ kind: 'hashes', level: 1, index: 0, width: 17 })).toBe('tile/1/000.p/17');
    expect(parseTilePath('tile/1/000.p/17')).toEqual({
      kind: 'hashes',
      level: 1,
      index: 0,
      width: 17,
    });
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({
      kind: 'hashes',
      level: 0,
      index: 1234067,
      width: 256,
    });
    for (const bad of [
      'tile/0/0001',
      'tile/0/x000/001',
      'tile/00/000',
      'tile/64/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/012',
      'tile/entries/000/',
      'tile/0/../000',
      'tile/0/x001',
    ]) {
      expect(parseTilePath(bad), bad).toBeUndefined();
    }
  });

  it('lists the tiles of the spec example tree (size 70 000)', () => {
    const tiles = tilesOfTree(70_000).filter((t) => t.kind === 'hashes');
    const at = (level: number) => tiles.filter((t) => t.kind === 'hashes' && t.level === level);
    expect(at(0)).toHaveLength(274);
    expect(at(0).at(-1)?.width).toBe(112);
    expect(at(1).map((t) => t.width)).toEqual([256, 17]);
    expect(at(2).map((t) => t.width)).toEqual([1]);
    expect(tilesOfTree(256).map(tilePath)).toEqual([
      'tile/0/000',
      'tile/entries/000',
      'tile/1/000.p/1',
    ]);
  });

  it('has no tile the tree of that size does not complete', () => {
    const { tree } = treeOf(256 * 2 + 3);
    expect(tileHashes(tree, { level: 0, index: 0, width: 4 }, 3)).toBeUndefined();
    expect(tileHashes(tree, { level: 0, index: 2, width: 4 }, 256 * 2 + 3)).toBeUndefined();
    expect(tileHashes(tree, { level: 1, index: 0, width: 2 }, 511)).toBeUndefined();
    expect(tileHashes(tree, { level: 1, index: 0, width: 2 }, 512)).toHaveLength(2);
    // A size beyond what the tree holds is refused, not answered from a shorter tree.
    expect(() => tileHashes(tree, { level: 0, index: 2, width: 4 }, 256 * 2 + 4)).toThrow(
      RangeError,
    );
  });

  it('serves hashes that core merkle.ts recomputes: a level-1 hash is the MTH of a full level-0 tile, the root from tiles is the tree head', async () => {
    const size = 256 * 3 + 5;
    const { tree, leaves, entries } = treeOf(size);
    const level1 = decodeHashTile(
      encodeHashTile(tileHashes(tree, { level: 1, index: 0, width: 3 }, size)!),
      3,
    )!;
    for (let i = 0; i < 3; i++) {
      expect(Buffer.from(level1[i]!)).toEqual(
        Buffer.from(treeHead(leaves.slice(i * 256, (i + 1) * 256))),
      );
    }
    expect(
      tileHashes(tree, { level: 0, index: 3, width: 5 }, size)!.map((h) => Buffer.from(h)),
    ).toEqual(leaves.slice(768).map((h) => Buffer.from(h)));
    for (const n of [1, 255, 256, 257, size]) {
      const result = await verifyTiles(n, readerOf(tree, entries, n));
      expect('root' in result && Buffer.from(result.root)).toEqual(
        Buffer.from(treeHead(leaves.slice(0, n))),
      );
    }
    expect(
      decodeEntryBundle(encodeEntryBundle(entries.slice(0, 3)))?.map((e) => Buffer.from(e)),
    ).toEqual(entries.slice(0, 3));
  });

  it('finds a rewritten entry, a swapped hash and a truncated bundle', async () => {
    const size = 300;
    const { tree, entries } = treeOf(size);
    const honest = readerOf(tree, entries, size);
    const rewritten = [...entries];
    rewritten[7] = entry(9999);
    expect(await verifyTiles(size, readerOf(tree, rewritten, size))).toMatchObject({
      problem: expect.stringContaining('tile/entries/000: entry 7'),
    });
    const swapped = async (tile: TileId) => {
      const bytes = Buffer.from(await honest(tile));
      if (tile.kind === 'hashes' && tile.level === 1) bytes[0]! ^= 1;
      return bytes;
    };
    expect(await verifyTiles(size, swapped)).toMatchObject({
      problem: expect.stringContaining('tile/1/000.p/1: hash 0'),
    });
    const truncated = async (tile: TileId) =>
      (await honest(tile)).subarray(0, tile.kind === 'entries' ? 10 : undefined);
    expect(await verifyTiles(size, truncated)).toHaveProperty('problem');
  });
});
