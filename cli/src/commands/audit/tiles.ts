import { CliError, EXIT } from '@frostmint/client/cli-kit';
import { fetchBytes } from './http.ts';

/**
 * A reader of a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) under a URL prefix: the
 * checkpoint and the entry bundles (`tile/entries/<N>[.p/<W>]`, big-endian uint16
 * length-prefixed entries, 256 to a full bundle).
 */

/** tlog-tiles: a full tile or entry bundle holds 256 entries. */
export const TILE_WIDTH = 256;

/**
 * tlog-tiles §Merkle Tree: `<N>` as zero-padded 3-digit path elements, all but the last
 * prefixed `x` (1234067 → `x001/x234/067`).
 *
 * @example
 * ```ts
 * tileIndexPath(1234067); // 'x001/x234/067'
 * ```
 */
export function tileIndexPath(n: number): string {
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/**
 * The path of entry bundle `n` of a tree of `size` (partial `.p/<W>` when it is the last,
 * incomplete one).
 *
 * @example
 * ```ts
 * entryBundlePath(0, 3); // 'tile/entries/000.p/3'
 * ```
 */
export function entryBundlePath(n: number, size: number): string {
  const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
  const partial = width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/entries/${tileIndexPath(n)}${partial}`;
}

/**
 * Splits an entry bundle into its entries (tlog-tiles §Log entries: uint16 big-endian length,
 * then the entry); undefined when the bytes are not exactly such a sequence.
 *
 * @example
 * ```ts
 * const entries = parseEntryBundle(bytes);
 * ```
 */
export function parseEntryBundle(bytes: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return undefined;
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    at += 2;
    if (at + length > bytes.length) return undefined;
    out.push(bytes.subarray(at, at + length));
    at += length;
  }
  return out;
}

/**
 * A tiled log under `prefix` (e.g. `https://mint.example/audit/`, or an exported copy).
 *
 * @example
 * ```ts
 * const log = new TileLog(new URL('https://mint.example/audit/'));
 * const note = await log.checkpoint();
 * const entries = await log.entries(0, 10, 10);
 * ```
 */
export class TileLog {
  constructor(readonly prefix: URL) {}

  /** The signed checkpoint note, as served. */
  async checkpoint(): Promise<string> {
    const bytes = await fetchBytes(new URL('checkpoint', this.prefix));
    return Buffer.from(bytes!).toString('utf8');
  }

  /** Entries `[from, to)` of the tree of `size` (to ≤ size), read bundle by bundle. */
  async entries(from: number, to: number, size: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let n = Math.floor(from / TILE_WIDTH); n * TILE_WIDTH < to; n++) {
      const path = entryBundlePath(n, size);
      const bundle = parseEntryBundle((await fetchBytes(new URL(path, this.prefix)))!);
      const expected = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
      if (!bundle || bundle.length !== expected) {
        throw new CliError(
          'audit_log_unreachable',
          EXIT.unavailable,
          `${path} is not an entry bundle of ${expected} entries`,
        );
      }
      bundle.forEach((entry, i) => {
        const index = n * TILE_WIDTH + i;
        if (index >= from && index < to) out.push(entry);
      });
    }
    return out;
  }
}
