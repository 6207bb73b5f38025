import { malformed } from './malformed.ts';

/** RFC 4648 §5 alphabet, no padding, at least one character. */
const ALPHABET = /^[A-Za-z0-9_-]+$/;

/**
 * Decodes one base64url segment of a JWS, accepting only its canonical form (RFC 7515 §2:
 * base64url without padding): the §5 alphabet only (no `=`, no whitespace, no `+`/`/`), a
 * length a byte string can have, and the unused trailing bits zero (RFC 4648 §3.5). So each
 * byte string has exactly one accepted encoding and a signature cannot be re-encoded into a
 * "different" token. Throws `FrostmintVerifyError` `token_malformed`.
 *
 * @example
 * ```ts
 * decodeCanonicalBase64url('AQ', 'signature'); // Uint8Array [1]
 * decodeCanonicalBase64url('AR', 'signature'); // throws: unused trailing bits are not zero
 * ```
 */
export function decodeCanonicalBase64url(segment: string, what: string): Uint8Array {
  if (!ALPHABET.test(segment)) {
    throw malformed(`${what} is not base64url (RFC 4648 §5 alphabet, no padding, no whitespace)`);
  }
  if (segment.length % 4 === 1) throw malformed(`${what} has an impossible base64url length`);
  const bytes = Buffer.from(segment, 'base64url');
  // Buffer decodes leniently; re-encoding differs exactly when unused bits were set.
  if (bytes.toString('base64url') !== segment) {
    throw malformed(`${what} is not canonical base64url: unused trailing bits are not zero`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
