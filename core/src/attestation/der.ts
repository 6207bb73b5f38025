import { AttestationFormatError } from './errors.ts';

/** One DER element: its tag byte, its content, and where the next element starts. */
export interface Tlv {
  readonly tag: number;
  readonly content: Uint8Array;
  /** The whole element, tag and length included. */
  readonly element: Uint8Array;
  readonly next: number;
}

/** DER tags used by the AMD certificate checks (X.690 §8). */
export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  ia5String: 0x16,
  sequence: 0x30,
} as const;

const malformed = (what: string) =>
  new AttestationFormatError('attestation_certificate_invalid', `malformed DER: ${what}`);

/**
 * Reads one DER element at `offset` (X.690 §8.1, §10.1): low-tag-number form, definite
 * minimal length, inside `bytes`. Enough for the few AMD-specific fields node:crypto and
 * @peculiar/x509 leave undecoded.
 *
 * @example
 * ```ts
 * readTlv(Uint8Array.of(0x02, 0x01, 0x30)); // {tag: 2, content: [0x30], next: 3, …}
 * ```
 */
export function readTlv(bytes: Uint8Array, offset = 0): Tlv {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw malformed('truncated header');
  if ((tag & 0x1f) === 0x1f) throw malformed('high tag numbers are not used here');
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 3) throw malformed('unsupported length form');
    length = 0;
    for (let i = 0; i < n; i++) {
      const b = bytes[start + i];
      if (b === undefined) throw malformed('truncated length');
      length = length * 256 + b;
    }
    if (length < 0x80 || (n > 1 && bytes[start] === 0)) throw malformed('non-minimal length');
    start += n;
  }
  const next = start + length;
  if (next > bytes.length) throw malformed('element overruns its container');
  return {
    tag,
    content: bytes.subarray(start, next),
    element: bytes.subarray(offset, next),
    next,
  };
}

/**
 * Reads an element that must span `bytes` exactly and carry `tag`.
 *
 * @example
 * ```ts
 * readOnly(extensionValue, TAG.integer).content;
 * ```
 */
export function readOnly(bytes: Uint8Array, tag: number): Tlv {
  const tlv = readTlv(bytes);
  if (tlv.tag !== tag) throw malformed(`tag 0x${tlv.tag.toString(16)}, want 0x${tag.toString(16)}`);
  if (tlv.next !== bytes.length) throw malformed('trailing bytes');
  return tlv;
}

/**
 * The elements inside a constructed element's content, in order.
 *
 * @example
 * ```ts
 * const [tbs, algorithm, signature] = children(readOnly(certDer, TAG.sequence).content);
 * ```
 */
export function children(content: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; ) {
    const tlv = readTlv(content, at);
    out.push(tlv);
    at = tlv.next;
  }
  return out;
}

/**
 * A non-negative DER INTEGER no larger than 2^31 - 1, minimally encoded (X.690 §8.3.2).
 *
 * @example
 * ```ts
 * derUint(Uint8Array.of(0x02, 0x02, 0x00, 0xdb)); // 219
 * ```
 */
export function derUint(element: Uint8Array): number {
  const { content } = readOnly(element, TAG.integer);
  const [b0, b1] = content;
  if (b0 === undefined || content.length > 4) throw malformed('integer length');
  if (b0 & 0x80) throw malformed('negative integer');
  if (b0 === 0 && b1 !== undefined && !(b1 & 0x80)) throw malformed('non-minimal integer');
  return content.reduce((acc, b) => acc * 256 + b, 0);
}
