/**
 * Strict standard base64 (RFC 4648 §4, with padding), as C2SP signed notes, checkpoints and
 * receipts use it. Node's `Buffer.from(s, 'base64')` skips characters it does not know and
 * accepts non-zero padding bits, so two different strings would decode to the same bytes;
 * here only the one canonical encoding of a byte string decodes.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical standard base64, or returns undefined.
 *
 * @example
 * ```ts
 * decodeBase64('AAE='); // Uint8Array [0, 1]
 * decodeBase64('AAF='); // undefined (non-zero padding bits)
 * ```
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Standard base64 with padding (RFC 4648 §4).
 *
 * @example
 * ```ts
 * encodeBase64(Uint8Array.of(0, 1)); // 'AAE='
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
