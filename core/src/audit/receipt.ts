import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { FrostmintError } from '../errors.ts';
import { decodeBase64 } from './base64.ts';
import { type Checkpoint, parseCheckpoint } from './checkpoint.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import {
  NoteError,
  type NoteSignature,
  type NoteVerifier,
  noteVerifier,
  parseSignedNote,
  type SignedNote,
  verifyNote,
} from './note.ts';

/**
 * A receipt (version 1): one audit entry, its leaf index, an RFC 9162 inclusion proof and
 * the signed checkpoint (quorum signature first, then witness cosignatures) the proof leads
 * to. Anyone holding the group public key checks it offline with `verifyReceipt`.
 */

const base64 = z.string().refine((s) => decodeBase64(s) !== undefined, 'standard base64');

/** The receipt JSON, version 1 (GET /v1/audit/receipts/{jti}). */
export const receiptSchema = z
  .object({
    version: z.literal(1),
    /** Leaf index of the entry in the log. */
    log_index: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    /** Standard base64 of the leaf data: the canonical-JSON audit entry bytes. */
    entry: base64,
    /** RFC 9162 §2.1.3.1 inclusion proof to the checkpoint's size, 32-byte hashes. */
    inclusion_proof: z
      .array(base64.refine((s) => decodeBase64(s)?.length === 32, '32-byte hash'))
      .max(64),
    /** The whole signed checkpoint note. */
    checkpoint: z.string().max(64 * 1024),
  })
  .strict();

/** A receipt (version 1). */
export type Receipt = z.infer<typeof receiptSchema>;

/** The stable codes `verifyReceipt` fails with, one per check. */
export type ReceiptErrorCode =
  | 'receipt_malformed'
  | 'receipt_origin_mismatch'
  | 'receipt_signature_invalid'
  | 'receipt_inclusion_invalid'
  | 'receipt_entry_mismatch'
  | 'receipt_witness_invalid'
  | 'receipt_witnesses_missing';

/**
 * A receipt that does not verify; `code` names the check that failed.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ReceiptError) console.error(err.code, err.message); }
 * ```
 */
export class ReceiptError extends FrostmintError {
  declare readonly code: ReceiptErrorCode;
  constructor(code: ReceiptErrorCode, message: string) {
    super(code, message);
  }
}

/** What a receipt is checked against. */
export interface VerifyReceiptOptions {
  /** The group public keys (32-byte Ed25519) whose quorum may sign; several during a key rollover. */
  readonly groupPublicKeys: readonly Uint8Array[];
  /** The log origin, which is also the note key name of the quorum signature. */
  readonly origin: string;
  /** Trusted witnesses (`cosignatureVerifier`, `verifierFromKey`). */
  readonly witnesses?: readonly NoteVerifier[];
  /** How many distinct trusted witnesses must have cosigned (default 0). */
  readonly witnessesRequired?: number;
  /** The compact JWS the receipt is for: the entry's `token_sha256` must be its SHA-256. */
  readonly token?: string;
}

/** A receipt that verified. */
export interface VerifiedReceipt {
  readonly logIndex: number;
  /** The audit entry bytes (canonical JSON) and their parsed value. */
  readonly entryBytes: Uint8Array;
  readonly entry: unknown;
  readonly checkpoint: Checkpoint;
  /** The checkpoint note text, the exact bytes the quorum signed. */
  readonly checkpointText: string;
  /** The trusted witness cosignatures that verified. */
  readonly witnesses: readonly NoteSignature[];
}

/**
 * Verifies a receipt offline: the checkpoint note carries a valid quorum signature under one
 * of `groupPublicKeys` (key name = origin), names `origin`, carries the required witness
 * cosignatures, the entry is at `log_index` of its tree (RFC 9162 §2.1.3.2), and, given
 * `token`, the entry records that token's SHA-256. Throws `ReceiptError` with the code of the
 * first failed check; a flipped byte in the entry or the proof is `receipt_inclusion_invalid`
 * (a Merkle proof cannot tell which one changed), in the checkpoint text or the quorum
 * signature `receipt_signature_invalid`.
 *
 * @example
 * ```ts
 * const { entry } = verifyReceipt(JSON.parse(file), { groupPublicKeys: [groupKey], origin });
 * ```
 */
export function verifyReceipt(receipt: unknown, options: VerifyReceiptOptions): VerifiedReceipt {
  const parsed = receiptSchema.safeParse(receipt);
  if (!parsed.success) {
    throw new ReceiptError('receipt_malformed', `not a version 1 receipt: ${parsed.error.message}`);
  }
  const { log_index: logIndex } = parsed.data;
  const note = parseNote(parsed.data.checkpoint);
  const quorum = options.groupPublicKeys.map((key) => noteVerifier(options.origin, key));
  checkSigned(note, quorum);
  const checkpoint = parseCheckpointOf(note.text);
  if (checkpoint.origin !== options.origin) {
    throw new ReceiptError(
      'receipt_origin_mismatch',
      `the checkpoint is for log ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(options.origin)}`,
    );
  }
  const witnesses = checkWitnesses(note, options.witnesses ?? [], options.witnessesRequired ?? 0);
  const entryBytes = decodeBase64(parsed.data.entry)!;
  const proof = parsed.data.inclusion_proof.map((h) => decodeBase64(h)!);
  if (!verifyInclusion(leafHash(entryBytes), logIndex, checkpoint.size, proof, checkpoint.root)) {
    throw new ReceiptError(
      'receipt_inclusion_invalid',
      `the entry is not at index ${logIndex} of the tree of size ${checkpoint.size}`,
    );
  }
  const entry = parseEntry(entryBytes);
  if (options.token !== undefined) checkToken(entry, options.token);
  return { logIndex, entryBytes, entry, checkpoint, checkpointText: note.text, witnesses };
}

function parseNote(text: string): SignedNote {
  try {
    return parseSignedNote(text);
  } catch (err) {
    throw new ReceiptError('receipt_malformed', `checkpoint: ${(err as Error).message}`);
  }
}

function parseCheckpointOf(text: string): Checkpoint {
  try {
    return parseCheckpoint(text);
  } catch (err) {
    throw new ReceiptError('receipt_malformed', `checkpoint: ${(err as Error).message}`);
  }
}

/** The quorum signature: a (name, key ID) match that fails, or none at all, refuses. */
function checkSigned(note: SignedNote, quorum: readonly NoteVerifier[]): void {
  try {
    verifyNote(note, quorum);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    throw new ReceiptError(
      'receipt_signature_invalid',
      `the checkpoint is not signed by the group key: ${err.message}`,
    );
  }
}

function checkWitnesses(
  note: SignedNote,
  witnesses: readonly NoteVerifier[],
  required: number,
): readonly NoteSignature[] {
  if (witnesses.length === 0 && required === 0) return [];
  let verified: readonly NoteSignature[] = [];
  try {
    verified = verifyNote(note, witnesses).verified;
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    if (err.code !== 'note_unverified') {
      throw new ReceiptError('receipt_witness_invalid', err.message);
    }
  }
  if (verified.length < required) {
    throw new ReceiptError(
      'receipt_witnesses_missing',
      `${verified.length} of the ${required} required witness cosignatures`,
    );
  }
  return verified;
}

function parseEntry(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ReceiptError('receipt_malformed', 'the entry is not UTF-8 JSON');
  }
}

/** The entry records the token by `token_sha256`, hex SHA-256 of the compact JWS. */
function checkToken(entry: unknown, token: string): void {
  const recorded = (entry as { token_sha256?: unknown } | null)?.token_sha256;
  const expected = Buffer.from(sha256(Buffer.from(token, 'ascii'))).toString('hex');
  if (recorded !== expected) {
    throw new ReceiptError('receipt_entry_mismatch', 'the entry does not record this token');
  }
}
