import { CliError, EXIT } from '@frostmint/client/cli-kit';
import { fetchBytes } from './http.ts';

/**
 * A reader of a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) under a URL prefix (the
 * coordinator's `/audit/`, or an exported copy): the checkpoint and the entry bundles.
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
    // Loaded here: `frostmint audit verify` never reads tiles and starts without it.
    const { decodeEntryBundle, TILE_WIDTH, tilePath } = await import('@frostmint/coordinator');
    const out: Uint8Array[] = [];
    for (let index = Math.floor(from / TILE_WIDTH); index * TILE_WIDTH < to; index++) {
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      const path = tilePath({ kind: 'entries', index, width });
      const bundle = decodeEntryBundle((await fetchBytes(new URL(path, this.prefix)))!);
      if (bundle?.length !== width) {
        throw new CliError(
          'audit_log_unreachable',
          EXIT.unavailable,
          `${path} is not an entry bundle of ${width} entries`,
        );
      }
      bundle.forEach((entry, i) => {
        const at = index * TILE_WIDTH + i;
        if (at >= from && at < to) out.push(entry);
      });
    }
    return out;
  }
}
