import type { TileSource } from '../log-tiles.ts';
import { type TileId, tilePath } from '../tiles.ts';

/**
 * A log served as tlog-tiles over HTTP(S) (a coordinator's `https://host/audit`, or a copy),
 * as an export source: `GET <prefix>/checkpoint` and `GET <prefix>/tile/…`.
 *
 * @example
 * ```ts
 * await exportLog({ source: httpTileSource('https://mint.example.com/audit'), target });
 * ```
 */
export function httpTileSource(prefix: string, fetchImpl: typeof fetch = fetch): TileSource {
  const base = prefix.replace(/\/+$/, '');
  const get = async (path: string): Promise<Uint8Array | undefined> => {
    const answer = await fetchImpl(`${base}/${path}`);
    if (answer.status === 404) return undefined;
    if (!answer.ok) throw new Error(`GET ${base}/${path}: HTTP ${answer.status}`);
    return new Uint8Array(await answer.arrayBuffer());
  };
  return {
    checkpoint: async () => (await get('checkpoint')) ?? null,
    tile: (tile: TileId) => get(tilePath(tile)),
  };
}
