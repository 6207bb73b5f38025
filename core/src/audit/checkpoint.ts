import { FrostmintError } from '../errors.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) note text:
 * `<origin>\n<tree size>\n<base64 root hash>\n` then optional extension lines (frostmint
 * emits none). The root is the RFC 9162 §2.1.1 Merkle tree hash of the log at that size.
 */

/** The log origin (and quorum note key name) when `audit.origin` is not configured. */
export const DEFAULT_AUDIT_ORIGIN = 'frostmint.local/audit';

/** A log's tree head at one size. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** RFC 9162 MTH of the first `size` entries, 32 bytes. */
  readonly root: Uint8Array;
  /** Extension lines after the root (opaque, non-empty). */
  readonly extensions: readonly string[];
}

/**
 * A text that is not a checkpoint (`checkpoint_malformed`).
 *
 * @example
 * ```ts
 * if (err instanceof CheckpointError) refuse(err.code);
 * ```
 */
export class CheckpointError extends FrostmintError {
  declare readonly code: 'checkpoint_malformed';
  constructor(message: string) {
    super('checkpoint_malformed', message);
  }
}

/**
 * The checkpoint note text (tlog-checkpoint §Note text). This is the exact message the quorum
 * signs for purpose CHECKPOINT.
 *
 * @example
 * ```ts
 * formatCheckpoint({ origin: 'frostmint.local/audit', size: 3, root });
 * // 'frostmint.local/audit\n3\n<base64 root>\n'
 * ```
 */
export function formatCheckpoint(checkpoint: {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions?: readonly string[];
}): string {
  const { origin, size, root, extensions = [] } = checkpoint;
  if (!validOrigin(origin)) throw new CheckpointError('invalid checkpoint origin');
  if (!Number.isSafeInteger(size) || size < 0) throw new CheckpointError('invalid tree size');
  if (root.length !== 32) throw new CheckpointError('the root hash is not 32 bytes');
  if (extensions.some((line) => line === '' || line.includes('\n'))) {
    throw new CheckpointError('invalid extension line');
  }
  return [origin, String(size), encodeBase64(root), ...extensions, ''].join('\n');
}

/**
 * Parses a checkpoint note text (the note body, not the signed note); throws
 * `checkpoint_malformed`. Verify the note signature first (`verifyNote`), then parse its text.
 *
 * @example
 * ```ts
 * const { origin, size, root } = parseCheckpoint(verifyNote(note, verifiers).text);
 * ```
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointError('a checkpoint ends in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('a checkpoint has at least three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string];
  if (!validOrigin(origin)) throw new CheckpointError('invalid checkpoint origin');
  // tlog-checkpoint §Note text 2: decimal, no leading zeroes unless the tree is empty.
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new CheckpointError('invalid tree size');
  }
  const root = decodeBase64(rootText);
  if (root === undefined || root.length !== 32) {
    throw new CheckpointError('the root hash is not 32 bytes of base64');
  }
  if (extensions.some((line) => line === '')) throw new CheckpointError('empty extension line');
  return { origin, size: Number(sizeText), root, extensions };
}

/** tlog-checkpoint §Note text 1: non-empty; frostmint also refuses spaces and `+` (key name). */
function validOrigin(origin: string): boolean {
  return origin.length > 0 && !/[\s+]/u.test(origin);
}
