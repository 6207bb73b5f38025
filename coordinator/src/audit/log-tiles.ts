import { InternalError, leafHash } from '@frostmint/core';
import type { AuditCheckpoint, AuditStore } from '../storage/index.ts';
import type { LogTree } from './log-tree.ts';
import { encodeEntryBundle, encodeHashTile, TILE_WIDTH, type TileId, tileHashes } from './tiles.ts';

/** A tlog-tiles view of a log: its latest signed checkpoint and the tiles under it. */
export interface TileSource {
  /** The latest signed checkpoint note (UTF-8 bytes), or null before the first. */
  checkpoint(): Promise<Uint8Array | null>;
  /** One tile's bytes, or undefined when the latest checkpoint does not cover it. */
  tile(tile: TileId): Promise<Uint8Array | undefined>;
}

/**
 * The coordinator's own log as tlog-tiles, from its store: only what the latest signed
 * checkpoint covers is served (an entry no checkpoint covers yet has no tile), and the tree
 * is checked against that checkpoint's root before any tile leaves (`audit_log_inconsistent`).
 *
 * @example
 * ```ts
 * const tiles = new LogTiles(store.audit, new LogTree(store.audit));
 * const bytes = await tiles.tile({ kind: 'hashes', level: 0, index: 0, width: 256 });
 * ```
 */
export class LogTiles implements TileSource {
  constructor(
    private readonly store: Pick<AuditStore, 'read' | 'latestCheckpoint'>,
    private readonly tree: LogTree,
  ) {}

  async checkpoint(): Promise<Uint8Array | null> {
    return (await this.store.latestCheckpoint())?.signed ?? null;
  }

  async tile(tile: TileId): Promise<Uint8Array | undefined> {
    const checkpoint = await this.store.latestCheckpoint();
    if (checkpoint === null) return undefined;
    return tile.kind === 'entries'
      ? this.#bundle(tile, checkpoint)
      : this.#hashes(tile, checkpoint);
  }

  async #hashes(
    tile: Extract<TileId, { kind: 'hashes' }>,
    checkpoint: AuditCheckpoint,
  ): Promise<Uint8Array | undefined> {
    const tree = await this.tree.at(checkpoint);
    const hashes = tileHashes(tree, tile, checkpoint.treeSize);
    return hashes && encodeHashTile(hashes);
  }

  async #bundle(tile: TileId, checkpoint: AuditCheckpoint): Promise<Uint8Array | undefined> {
    const start = tile.index * TILE_WIDTH;
    if (start + tile.width > checkpoint.treeSize) return undefined;
    const tree = await this.tree.at(checkpoint);
    const expected = Array.from({ length: tile.width }, (_, i) => tree.subtreeHash(0, start + i));
    const leaves = await this.store.read(start, start + tile.width);
    const entries = leaves.map((leaf, i) => {
      const bytes = Buffer.from(leaf.entryJson, 'utf8');
      // The entries are read again: they must still hash to the tree the checkpoint signed.
      if (!Buffer.from(leafHash(bytes)).equals(Buffer.from(expected[i] ?? []))) {
        throw new InternalError('audit_log_inconsistent', `audit leaf ${leaf.index} changed`);
      }
      return bytes;
    });
    if (entries.length !== tile.width) {
      throw new InternalError('audit_log_inconsistent', `audit leaves from ${start} are missing`);
    }
    return encodeEntryBundle(entries);
  }
}
