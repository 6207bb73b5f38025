import {
  ed25519Verify,
  formatVerifierKey,
  NOTE_ED25519,
  NoteError,
  type NoteVerifier,
  noteKeyId,
  noteVerifier,
  parseVerifierKey,
} from './note.ts';

/**
 * C2SP tlog-cosignature `cosignature/v1` (https://c2sp.org/tlog-cosignature): a witness's
 * timestamped Ed25519 signature over a checkpoint. Frostmint only verifies them; witnesses
 * make them.
 */

/** signed-note §Signature types: 0x04, timestamped Ed25519 checkpoint cosignature. */
export const NOTE_COSIGNATURE_V1 = 0x04;

/**
 * The message a `cosignature/v1` signs (tlog-cosignature §Ed25519 signed message):
 * `cosignature/v1\ntime <unix seconds>\n` then the whole checkpoint note text.
 *
 * @example
 * ```ts
 * cosignatureMessage(1679315147n, body); // 'cosignature/v1\ntime 1679315147\n' + body
 * ```
 */
export function cosignatureMessage(timestamp: bigint, checkpointText: string): string {
  return `cosignature/v1\ntime ${timestamp.toString(10)}\n${checkpointText}`;
}

/**
 * The timestamp of a cosignature's `timestamped_signature` (8 bytes big-endian, then the
 * 64-byte Ed25519 signature), or undefined when it is not 72 bytes.
 *
 * @example
 * ```ts
 * const when = cosignatureTimestamp(sig.signature); // seconds since the epoch, bigint
 * ```
 */
export function cosignatureTimestamp(signature: Uint8Array): bigint | undefined {
  if (signature.length !== 72) return undefined;
  return Buffer.from(signature.buffer, signature.byteOffset, 8).readBigUInt64BE(0);
}

/**
 * The verifier of a witness's `cosignature/v1` signatures: key ID
 * SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]; the signature is checked over
 * `cosignatureMessage(timestamp, text)`. Timestamps above 2^63 − 1 are refused.
 *
 * @example
 * ```ts
 * const witness = cosignatureVerifier('witness.example.com/w1', witnessPublicKey);
 * verifyNote(signedCheckpoint, [witness]);
 * ```
 */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  return {
    name,
    keyId: noteKeyId(name, NOTE_COSIGNATURE_V1, publicKey),
    vkey: formatVerifierKey(name, NOTE_COSIGNATURE_V1, publicKey),
    verify: (text, signature) => {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined || timestamp > 0x7fffffffffffffffn) return false;
      const message = Buffer.from(cosignatureMessage(timestamp, text));
      return ed25519Verify(signature.subarray(8), message, publicKey);
    },
  };
}

/**
 * The verifier a verifier key string describes: Ed25519 note keys (type 0x01) and
 * `cosignature/v1` witness keys (type 0x04); throws `note_malformed` for anything else.
 *
 * @example
 * ```ts
 * const witness = verifierFromKey('witness.example.com/w1+1234abcd+BHx…');
 * ```
 */
export function verifierFromKey(vkey: string): NoteVerifier {
  const { name, type, publicKey } = parseVerifierKey(vkey);
  if (publicKey.length === 32 && type === NOTE_ED25519) return noteVerifier(name, publicKey);
  if (publicKey.length === 32 && type === NOTE_COSIGNATURE_V1) {
    return cosignatureVerifier(name, publicKey);
  }
  throw new NoteError('note_malformed', `unsupported verifier key type 0x${type.toString(16)}`);
}
