import {
  type Checkpoint,
  FrostmintError,
  type NoteVerifier,
  parseCheckpoint,
  parseSignedNote,
  verifyNote,
} from '@frostmint/core';
import type { TileSource } from '../log-tiles.ts';
import { type TileId, tilePath, verifyTiles } from '../tiles.ts';
import type { ExportTarget } from './target.ts';

/** Options of {@link exportLog}. */
export interface ExportLogOptions {
  /** The log: a coordinator's store (`LogTiles`) or its tiles over HTTP (`httpTileSource`). */
  readonly source: TileSource;
  /** A directory (`directoryTarget`) or an S3 bucket (`s3Target`). */
  readonly target: ExportTarget;
  /**
   * The quorum key(s) (`noteVerifier(origin, groupKey)`): the source checkpoint must carry a
   * valid signature by one of them. Without them the note is copied unverified (its tiles are
   * still checked against its root).
   */
  readonly verifiers?: readonly NoteVerifier[];
  /** Told of each file as it is written or found already there. */
  readonly onProgress?: (event: ExportEvent) => void;
}

/** One file of the export. */
export interface ExportEvent {
  readonly path: string;
  /** `written`, or `kept`: a full tile already at the target, never rewritten. */
  readonly action: 'written' | 'kept';
}

/** What an export did. */
export interface ExportResult {
  /** The tree size of the checkpoint exported (now the target's `checkpoint`). */
  readonly size: number;
  readonly written: number;
  readonly kept: number;
}

/** Where an export stopped: the files done before, the one that failed. */
export interface ExportProgress {
  readonly size?: number;
  readonly written: number;
  readonly kept: number;
  /** The file being read or written when it stopped; a rerun resumes there. */
  readonly stoppedAt?: string;
}

/** The stable codes of {@link ExportError}. */
export type ExportErrorCode = 'export_source_invalid' | 'export_conflict' | 'export_target_failed';

/**
 * An export that stopped: `code` says why, `progress` where (a rerun resumes: full tiles
 * already written are kept).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ExportError) console.error(err.code, err.progress.stoppedAt); }
 * ```
 */
export class ExportError extends FrostmintError {
  declare readonly code: ExportErrorCode;
  readonly progress: ExportProgress;
  constructor(code: ExportErrorCode, message: string, progress: ExportProgress, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.progress = progress;
  }
}

/** C2SP tlog-tiles content types. */
const TILE_TYPE = 'application/octet-stream';
const CHECKPOINT_TYPE = 'text/plain; charset=utf-8';

/**
 * Copies the log's latest checkpoint and its tlog-tiles to `target`, resumable and
 * idempotent: a full tile or bundle already there is kept (never rewritten; checked as part
 * of the tree), partial ones are replaced, and the checkpoint is written last — only after
 * every tile under it is checked (entries hash to level-0 hashes, each level hashes to the
 * one above, the tree head is the checkpoint's root), so the target never shows a checkpoint
 * its tiles do not prove. Throws {@link ExportError} saying where it stopped.
 *
 * @example
 * ```ts
 * const { size, written, kept } = await exportLog({
 *   source: httpTileSource('https://mint.example.com/audit'),
 *   target: s3Target({ client: new S3Client({}), bucket: 'audit-worm' }),
 *   verifiers: [noteVerifier('mint.example.com/audit', groupKey)],
 * });
 * ```
 */
export async function exportLog(options: ExportLogOptions): Promise<ExportResult> {
  const { source, target } = options;
  let written = 0;
  let kept = 0;
  let size: number | undefined;
  let at: string | undefined;
  const progress = (): ExportProgress => ({
    ...(size === undefined ? {} : { size }),
    written,
    kept,
    ...(at === undefined ? {} : { stoppedAt: at }),
  });
  const fail = (code: ExportErrorCode, message: string, cause?: unknown): never => {
    throw new ExportError(code, message, progress(), cause);
  };
  const io = async <T>(path: string, what: 'source' | 'target', run: () => Promise<T>) => {
    at = path;
    try {
      return await run();
    } catch (err) {
      if (err instanceof ExportError) throw err;
      const where = what === 'source' ? 'the source' : target.description;
      return fail(
        what === 'source' ? 'export_source_invalid' : 'export_target_failed',
        `${path}: ${where}: ${(err as Error).message}`,
        err,
      );
    }
  };

  const note = await io('checkpoint', 'source', () => source.checkpoint());
  if (note === null) return fail('export_source_invalid', 'the source has no checkpoint yet');
  const checkpoint = checkpointOf(note, options.verifiers, fail);
  size = checkpoint.size;
  const previous = await io('checkpoint', 'target', () => target.read('checkpoint'));
  if (previous && Buffer.from(previous).equals(Buffer.from(note))) {
    at = undefined;
    return { size, written, kept };
  }

  // Pass 1: the bytes of every tile (kept ones from the target), checked as one tree.
  const toWrite = new Map<string, { tile: TileId; bytes: Uint8Array }>();
  const keptPaths: string[] = [];
  const read = async (tile: TileId): Promise<Uint8Array> => {
    const path = tilePath(tile);
    if (tile.width === 256) {
      const there = await io(path, 'target', () => target.read(path));
      if (there) {
        keptPaths.push(path);
        return there;
      }
    }
    const bytes = await io(path, 'source', () => source.tile(tile));
    if (!bytes) return fail('export_source_invalid', `the source lacks ${path}`);
    toWrite.set(path, { tile, bytes });
    return bytes;
  };
  const tree = await verifyTiles(checkpoint.size, read);
  const problem =
    'problem' in tree
      ? tree.problem
      : Buffer.from(tree.root).equals(Buffer.from(checkpoint.root))
        ? undefined
        : "the tiles' tree head is not the checkpoint's root";
  if (problem !== undefined) {
    at = undefined;
    // Kept tiles differing from the source's (another log, a fork) or a bad source.
    return keptPaths.length > 0
      ? fail(
          'export_conflict',
          `${problem} (with ${keptPaths.length} tiles already at ${target.description})`,
        )
      : fail('export_source_invalid', problem);
  }

  // Pass 2: write, lower levels first, the checkpoint last.
  for (const path of keptPaths) {
    kept += 1;
    options.onProgress?.({ path, action: 'kept' });
  }
  for (const [path, { tile, bytes }] of toWrite) {
    await io(path, 'target', () =>
      target.write(path, bytes, { contentType: TILE_TYPE, immutable: tile.width === 256 }),
    );
    written += 1;
    options.onProgress?.({ path, action: 'written' });
  }
  await io('checkpoint', 'target', () =>
    target.write('checkpoint', note, { contentType: CHECKPOINT_TYPE, immutable: false }),
  );
  written += 1;
  at = undefined;
  options.onProgress?.({ path: 'checkpoint', action: 'written' });
  return { size, written, kept };
}

function checkpointOf(
  note: Uint8Array,
  verifiers: readonly NoteVerifier[] | undefined,
  fail: (code: ExportErrorCode, message: string, cause?: unknown) => never,
): Checkpoint {
  try {
    const signed = parseSignedNote(note);
    if (verifiers) verifyNote(signed, verifiers);
    return parseCheckpoint(signed.text);
  } catch (err) {
    return fail('export_source_invalid', `checkpoint: ${(err as Error).message}`, err);
  }
}
