import { leafHash, type MerkleTree, nodeHash, treeHead } from '@frostmint/core';

/** Hashes of one tlog-tiles tile: 256 for a full one (C2SP tlog-tiles, "Merkle Tree"). */
export const TILE_WIDTH = 256;
/** Tree levels one tile spans: 256 = 2^8. */
export const TILE_HEIGHT = 8;

/**
 * One C2SP tlog-tiles resource: a tile of Merkle tree hashes (`tile/<L>/<N>[.p/<W>]`) or an
 * entry bundle (`tile/entries/<N>[.p/<W>]`). `width` is 256 for a full one, 1–255 for a
 * partial one.
 */
export type TileId =
  | {
      readonly kind: 'hashes';
      readonly level: number;
      readonly index: number;
      readonly width: number;
    }
  | { readonly kind: 'entries'; readonly index: number; readonly width: number };

/** Levels a tile path may name (C2SP tlog-tiles: "between 0 and 63"). */
const MAX_LEVEL = 63;
/** The most bytes one entry of a bundle can have (a big-endian uint16 length prefix). */
const MAX_ENTRY_BYTES = 0xffff;

/**
 * The path of a tile under the log's prefix, e.g. `tile/0/x001/x234/067.p/12`
 * (C2SP tlog-tiles: `<N>` as zero-padded 3-digit elements, all but the last prefixed `x`).
 *
 * @example
 * ```ts
 * tilePath({ kind: 'entries', index: 1234067, width: 256 }); // 'tile/entries/x001/x234/067'
 * ```
 */
export function tilePath(tile: TileId): string {
  const head = tile.kind === 'entries' ? 'tile/entries' : `tile/${tile.level}`;
  const partial = tile.width === TILE_WIDTH ? '' : `.p/${tile.width}`;
  return `${head}/${indexPath(tile.index)}${partial}`;
}

/**
 * Parses a tile path (relative to the prefix, as {@link tilePath} writes it); undefined for
 * anything the spec does not allow (leading zeroes, width 0 or ≥ 256, level > 63, …).
 *
 * @example
 * ```ts
 * parseTilePath('tile/1/000.p/17'); // { kind: 'hashes', level: 1, index: 0, width: 17 }
 * ```
 */
export function parseTilePath(path: string): TileId | undefined {
  const match =
    /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(
      path,
    );
  if (!match) return undefined;
  const [, head, n, w] = match as unknown as [string, string, string, string | undefined];
  const index = Number(n.replaceAll('x', '').replaceAll('/', ''));
  const width = w === undefined ? TILE_WIDTH : Number(w);
  // Canonical only: the shortest encoding of N (no leading `x000/` element), W below 256.
  if (
    !Number.isSafeInteger(index) ||
    indexPath(index) !== n ||
    (w !== undefined && width >= TILE_WIDTH)
  ) {
    return undefined;
  }
  if (head === 'entries') return { kind: 'entries', index, width };
  const level = Number(head);
  return level > MAX_LEVEL ? undefined : { kind: 'hashes', level, index, width };
}

/**
 * Every tile and entry bundle of a tree of `size` leaves, full ones first within each level,
 * lower levels first (so a reader that finds a level-l+1 tile finds what it hashes).
 *
 * @example
 * ```ts
 * tilesOfTree(256).map(tilePath); // ['tile/0/000', 'tile/entries/000', 'tile/1/000.p/1']
 * ```
 */
export function tilesOfTree(size: number): TileId[] {
  const tiles: TileId[] = [];
  for (let level = 0; ; level++) {
    const count = Math.floor(size / TILE_WIDTH ** level);
    if (count === 0) break;
    const full = Math.floor(count / TILE_WIDTH);
    const partial = count % TILE_WIDTH;
    const widths = [
      ...Array.from({ length: full }, () => TILE_WIDTH),
      ...(partial ? [partial] : []),
    ];
    for (const [index, width] of widths.entries()) {
      tiles.push({ kind: 'hashes', level, index, width });
      if (level === 0) tiles.push({ kind: 'entries', index, width });
    }
  }
  return tiles;
}

/**
 * The hashes of tile `index` at tile level `level`, `width` of them, in the tree of `size`
 * leaves (C2SP tlog-tiles: hash `i` is `MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])`),
 * or undefined when the tree of that size does not have them all.
 *
 * @example
 * ```ts
 * const bytes = encodeHashTile(tileHashes(tree, { level: 0, index: 0, width: 256 }, size)!);
 * ```
 */
export function tileHashes(
  tree: Pick<MerkleTree, 'subtreeHash'>,
  tile: { readonly level: number; readonly index: number; readonly width: number },
  size: number,
): Uint8Array[] | undefined {
  const height = tile.level * TILE_HEIGHT;
  const first = tile.index * TILE_WIDTH;
  // Complete subtrees at `height` within the first `size` leaves.
  if (first + tile.width > Math.floor(size / 2 ** height)) return undefined;
  return Array.from({ length: tile.width }, (_, i) => tree.subtreeHash(height, first + i));
}

/**
 * The bytes of a hash tile: the hashes concatenated (32 bytes each).
 *
 * @example
 * ```ts
 * const bytes = encodeHashTile(hashes);
 * ```
 */
export function encodeHashTile(hashes: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(hashes);
}

/**
 * Splits a hash tile into its hashes; undefined unless it is exactly `width` hashes.
 *
 * @example
 * ```ts
 * const hashes = decodeHashTile(bytes, 256);
 * ```
 */
export function decodeHashTile(bytes: Uint8Array, width: number): Uint8Array[] | undefined {
  if (bytes.length !== width * 32) return undefined;
  return Array.from({ length: width }, (_, i) => bytes.slice(i * 32, (i + 1) * 32));
}

/**
 * An entry bundle: each entry prefixed with its length as a big-endian uint16 (C2SP
 * tlog-tiles, "Log entries"). Throws RangeError for an entry over 65 535 bytes.
 *
 * @example
 * ```ts
 * const bundle = encodeEntryBundle(leaves.map((l) => Buffer.from(l.entryJson, 'utf8')));
 * ```
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    if (entry.length > MAX_ENTRY_BYTES) throw new RangeError('audit entry over 65535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(entry.length);
    parts.push(length, entry);
  }
  return Buffer.concat(parts);
}

/**
 * The entries of a bundle; undefined when the bytes are not a sequence of length-prefixed
 * entries.
 *
 * @example
 * ```ts
 * const entries = decodeEntryBundle(bytes);
 * ```
 */
export function decodeEntryBundle(bytes: Uint8Array): Uint8Array[] | undefined {
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return undefined;
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + length > bytes.length) return undefined;
    entries.push(bytes.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}

/** Reads one tile of a tree (full or partial, as the tree's size has it). */
export type TileReader = (tile: TileId) => Promise<Uint8Array>;

/**
 * Checks a tree's tiles against each other and recomputes its root: every entry hashes to
 * its level-0 hash, every hash of a level-l+1 tile is the MTH of the full level-l tile under
 * it, and the root is folded from the top of each level. Returns the root, or a reason the
 * tiles are inconsistent.
 *
 * @example
 * ```ts
 * const result = await verifyTiles(size, (tile) => fetchTile(tile));
 * if ('root' in result && equal(result.root, checkpoint.root)) { ... }
 * ```
 */
export async function verifyTiles(
  size: number,
  read: TileReader,
): Promise<{ root: Uint8Array } | { problem: string }> {
  const levels = new Map<number, Uint8Array[]>();
  for (const tile of tilesOfTree(size)) {
    const bytes = await read(tile);
    const path = tilePath(tile);
    if (tile.kind === 'entries') {
      const entries = decodeEntryBundle(bytes);
      const hashes = levels.get(0)?.slice(tile.index * TILE_WIDTH);
      if (entries?.length !== tile.width)
        return { problem: `${path} holds ${entries?.length ?? 'no'} entries` };
      const mismatch = entries.findIndex(
        (e, i) => !equal(leafHash(e), hashes?.[i] ?? new Uint8Array()),
      );
      if (mismatch >= 0)
        return { problem: `${path}: entry ${mismatch} does not hash to its level-0 hash` };
      continue;
    }
    const hashes = decodeHashTile(bytes, tile.width);
    if (!hashes) return { problem: `${path} is not ${tile.width} hashes` };
    const below = levels.get(tile.level - 1);
    if (below) {
      const bad = hashes.findIndex((h, i) => {
        const start = (tile.index * TILE_WIDTH + i) * TILE_WIDTH;
        return !equal(h, treeHead(below.slice(start, start + TILE_WIDTH)));
      });
      if (bad >= 0) return { problem: `${path}: hash ${bad} is not the MTH of the tile below` };
    }
    const row = levels.get(tile.level) ?? [];
    row.push(...hashes);
    levels.set(tile.level, row);
  }
  return { root: rootOfLevels(size, levels) };
}

/**
 * RFC 9162 MTH of the tree from its per-level tile hashes: the complete subtrees of the
 * size's binary decomposition, largest first, folded right to left.
 */
function rootOfLevels(size: number, levels: Map<number, Uint8Array[]>): Uint8Array {
  if (size === 0) return treeHead([]);
  const subtrees: Uint8Array[] = [];
  let start = 0;
  for (let height = Math.floor(Math.log2(size)); height >= 0; height--) {
    const span = 2 ** height;
    if (start + span > size) continue;
    const tileLevel = Math.floor(height / TILE_HEIGHT);
    const per = 2 ** (height - tileLevel * TILE_HEIGHT);
    const first = start / TILE_WIDTH ** tileLevel;
    subtrees.push(treeHead(levels.get(tileLevel)!.slice(first, first + per)));
    start += span;
  }
  return subtrees.reduceRight((right, left) => nodeHash(left, right));
}

function indexPath(index: number): string {
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
