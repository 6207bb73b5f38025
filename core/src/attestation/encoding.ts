/**
 * Lowercase hex of `bytes`.
 *
 * @example
 * ```ts
 * toHex(Uint8Array.of(0xab, 0x01)); // 'ab01'
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * A u64 value (TCB_VERSION, GUEST_POLICY) as 16 hex digits, most significant first.
 *
 * @example
 * ```ts
 * u64Hex(0xdb18000000000004n); // 'db18000000000004'
 * ```
 */
export function u64Hex(value: bigint): string {
  return value.toString(16).padStart(16, '0');
}

/**
 * File contents that are either raw bytes or hex text (whitespace ignored), as bytes: a
 * report dumped with `xxd -p` or copied from a log verifies like the binary.
 *
 * @example
 * ```ts
 * binaryOrHex(await readFile('report.hex')).length; // 1184
 * ```
 */
export function binaryOrHex(contents: Uint8Array): Uint8Array {
  const text = Buffer.from(contents).toString('latin1').replace(/\s+/g, '');
  return text.length > 0 && text.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(text)
    ? new Uint8Array(Buffer.from(text, 'hex'))
    : contents;
}
