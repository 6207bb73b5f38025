import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { FrostmintError } from '../errors.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';

/**
 * C2SP signed-note (https://c2sp.org/signed-note): a text ending in a newline, a blank line,
 * then signature lines `— <key name> base64(key ID ‖ signature)`. Frostmint signs its log
 * checkpoints as notes under the FROST group key (signature type Ed25519, 0x01), so any
 * signed-note verifier (e.g. Go's golang.org/x/mod/sumdb/note) checks them.
 */

/** signed-note §Signature types: Ed25519 over the note text. */
export const NOTE_ED25519 = 0x01;

/** The most signature lines a note may carry (the spec asks for at least 16; Go allows 100). */
export const MAX_NOTE_SIGNATURES = 100;

/** The stable codes a note fails with. */
export type NoteErrorCode = 'note_malformed' | 'note_signature_invalid' | 'note_unverified';

/**
 * A note that cannot be parsed or does not verify.
 *
 * @example
 * ```ts
 * try { verifyNote(text, [verifier]); } catch (err) { if (err instanceof NoteError) log(err.code); }
 * ```
 */
export class NoteError extends FrostmintError {
  declare readonly code: NoteErrorCode;
  constructor(code: NoteErrorCode, message: string) {
    super(code, message);
  }
}

/** One signature line: key name, 32-bit key ID and the signature bytes after it. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** A parsed signed note: the text (with its final newline) and its signature lines, in order. */
export interface SignedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A key a note signature can be checked against (see `noteVerifier`, `parseVerifierKey`). */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** The verifier key string `name+hex(keyId)+base64(type ‖ public key)`. */
  readonly vkey: string;
  /** True when `signature` (the bytes after the key ID) signs `text` under this key. */
  verify(text: string, signature: Uint8Array): boolean;
}

/**
 * signed-note §Signatures: key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4],
 * read big-endian.
 *
 * @example
 * ```ts
 * noteKeyId('example.com/foo', NOTE_ED25519, publicKey).toString(16); // '530d903a'
 * ```
 */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = sha256(Buffer.concat([Buffer.from(`${name}\n`), Uint8Array.of(type), publicKey]));
  return Buffer.from(digest).readUInt32BE(0);
}

/**
 * signed-note §Verifier keys: `<name>+hex(key ID)+base64(type ‖ public key)`.
 *
 * @example
 * ```ts
 * formatVerifierKey('example.com/foo', NOTE_ED25519, publicKey);
 * // 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'
 * ```
 */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  checkKeyName(name);
  const id = noteKeyId(name, type, publicKey).toString(16).padStart(8, '0');
  return `${name}+${id}+${encodeBase64(Buffer.concat([Uint8Array.of(type), publicKey]))}`;
}

/**
 * The verifier of Ed25519 (type 0x01) note signatures by `publicKey` under key `name`; the
 * quorum's checkpoint key is `noteVerifier(origin, groupPublicKey)`.
 *
 * @example
 * ```ts
 * const { text } = verifyNote(signedCheckpoint, [noteVerifier('frostmint.local/audit', groupKey)]);
 * ```
 */
export function noteVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  if (publicKey.length !== 32) throw new NoteError('note_malformed', 'Ed25519 keys are 32 bytes');
  return {
    name,
    keyId: noteKeyId(name, NOTE_ED25519, publicKey),
    vkey: formatVerifierKey(name, NOTE_ED25519, publicKey),
    verify: (text, signature) => ed25519Verify(signature, Buffer.from(text), publicKey),
  };
}

/**
 * Verifies an RFC 8032 Ed25519 signature strictly (no ZIP-215 leniency); false on any
 * malformed input.
 *
 * @example
 * ```ts
 * ed25519Verify(signature, Buffer.from(text), publicKey);
 * ```
 */
export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** The parts of a verifier key string: name, key ID, type and public key bytes. */
export interface VerifierKeyParts {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/**
 * Splits and checks a verifier key string (the key ID must match the key); throws
 * `note_malformed`. Use `noteVerifier` / `cosignatureVerifier` on the parts.
 *
 * @example
 * ```ts
 * const { name, type, publicKey } = parseVerifierKey('example.com/foo+530d903a+AekyeR…');
 * ```
 */
export function parseVerifierKey(vkey: string): VerifierKeyParts {
  // The base64 part may itself contain `+`: split off the name and the 8 hex digits only.
  const match = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/su.exec(vkey);
  if (!match) throw new NoteError('note_malformed', 'a verifier key is name+keyid+key');
  const [, name, idHex, material] = match as unknown as [string, string, string, string];
  checkKeyName(name);
  const bytes = decodeBase64(material);
  if (bytes === undefined || bytes.length < 2) {
    throw new NoteError('note_malformed', 'malformed verifier key');
  }
  const type = bytes[0]!;
  const publicKey = bytes.subarray(1);
  const keyId = Number.parseInt(idHex, 16);
  if (noteKeyId(name, type, publicKey) !== keyId) {
    throw new NoteError('note_malformed', `verifier key ${name}+${idHex} has the wrong key ID`);
  }
  return { name, keyId, type, publicKey };
}

/**
 * Parses a signed note (signed-note §Format); throws `note_malformed`. The text is separated
 * from the signatures by the last blank line; signatures are not verified here.
 *
 * @example
 * ```ts
 * const { text, signatures } = parseSignedNote(noteText);
 * ```
 */
export function parseSignedNote(note: string | Uint8Array): SignedNote {
  const source = typeof note === 'string' ? note : decodeUtf8(note);
  // signed-note §Format: valid UTF-8, no ASCII control characters but newline.
  if (hasControlCharacter(source) || /\p{Cs}/u.test(source)) {
    throw new NoteError('note_malformed', 'the note contains a control character or is not UTF-8');
  }
  const split = source.lastIndexOf('\n\n');
  if (split < 0 || !source.endsWith('\n')) {
    throw new NoteError('note_malformed', 'the note has no blank line before its signatures');
  }
  const text = source.slice(0, split + 1);
  const lines = source.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new NoteError('note_malformed', `more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  return { text, signatures: lines.map(parseSignatureLine) };
}

/**
 * The note's wire form: text, blank line, one `— name base64(keyID ‖ sig)` line per signature.
 *
 * @example
 * ```ts
 * formatSignedNote({ text: body, signatures: [noteSignature(origin, groupKey, sig)] });
 * ```
 */
export function formatSignedNote(note: SignedNote): string {
  if (!note.text.endsWith('\n') || note.signatures.length === 0) {
    throw new NoteError('note_malformed', 'a note text ends in a newline and has a signature');
  }
  const lines = note.signatures.map(({ name, keyId, signature }) => {
    checkKeyName(name);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(keyId >>> 0);
    return `— ${name} ${encodeBase64(Buffer.concat([id, signature]))}\n`;
  });
  return `${note.text}\n${lines.join('')}`;
}

/**
 * The signature line of an Ed25519 note signature by `publicKey` under key `name`, e.g. the
 * quorum's FROST signature over a checkpoint body.
 *
 * @example
 * ```ts
 * const line = noteSignature(origin, groupPublicKey, frostSignature);
 * ```
 */
export function noteSignature(
  name: string,
  publicKey: Uint8Array,
  signature: Uint8Array,
): NoteSignature {
  return { name, keyId: noteKeyId(name, NOTE_ED25519, publicKey), signature };
}

/** What `verifyNote` returns: the note and the signatures that verified, in note order. */
export interface VerifiedNote extends SignedNote {
  readonly verified: readonly NoteSignature[];
}

/**
 * signed-note §Signatures: checks a note against trusted keys. Signatures whose (name, key ID)
 * matches no verifier are ignored; one by a trusted key that does not verify rejects the whole
 * note (`note_signature_invalid`); a note without any verified signature is refused
 * (`note_unverified`). Two verifiers with the same name and key ID are ambiguous: the note is
 * refused when one of its signatures needs them.
 *
 * @example
 * ```ts
 * const { text } = verifyNote(noteText, [noteVerifier(origin, groupKey)]);
 * const checkpoint = parseCheckpoint(text);
 * ```
 */
export function verifyNote(
  note: string | Uint8Array | SignedNote,
  verifiers: readonly NoteVerifier[],
): VerifiedNote {
  const parsed = typeof note === 'object' && 'text' in note ? note : parseSignedNote(note);
  const verified: NoteSignature[] = [];
  for (const sig of parsed.signatures) {
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (matches.length === 0) continue;
    const label = `${sig.name}+${sig.keyId.toString(16).padStart(8, '0')}`;
    if (matches.length > 1) throw new NoteError('note_malformed', `ambiguous key ${label}`);
    if (!matches[0]!.verify(parsed.text, sig.signature)) {
      throw new NoteError('note_signature_invalid', `invalid signature for key ${label}`);
    }
    if (!verified.some((v) => v.name === sig.name && v.keyId === sig.keyId)) verified.push(sig);
  }
  if (verified.length === 0) {
    throw new NoteError('note_unverified', 'the note has no signature by a trusted key');
  }
  return { ...parsed, verified };
}

/** signed-note §Format: `— <name> base64(key ID ‖ signature)`. */
function parseSignatureLine(line: string): NoteSignature {
  const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
  const bytes = match ? decodeBase64(match[2]!) : undefined;
  if (!match || bytes === undefined || bytes.length < 5 || !validKeyName(match[1]!)) {
    throw new NoteError('note_malformed', 'malformed signature line');
  }
  const keyId = Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0);
  return { name: match[1]!, keyId, signature: bytes.slice(4) };
}

/** signed-note §Format: key names are non-empty, without Unicode spaces or `+`. */
function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

/** signed-note §Format: no ASCII control character (below U+0020) but newline. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function checkKeyName(name: string): void {
  if (!validKeyName(name)) throw new NoteError('note_malformed', 'invalid note key name');
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NoteError('note_malformed', 'the note is not valid UTF-8');
  }
}
