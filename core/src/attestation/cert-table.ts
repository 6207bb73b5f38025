import { toHex } from './encoding.ts';
import { AttestationFormatError } from './errors.ts';

/**
 * GUIDs of the certificate table an extended report carries (GHCB spec 56421 §4.1.8.1,
 * SNP Extended Guest Request; Linux configfs-tsm `auxblob`), written in RFC 4122 byte order.
 */
export const CERT_TABLE_GUID = {
  vcek: '63da758d-e664-4564-adc5-f4b93be8accd',
  vlek: 'a8074bc2-a25a-483e-aae6-39c045a0b8a1',
  ask: '4ab7b379-bbac-4fe4-a02f-05aef327c782',
  ark: 'c0b406a4-a803-4952-9743-3fb6014cd0ae',
} as const;

const ENTRY_SIZE = 24;
const MAX_ENTRIES = 64;

const invalid = (message: string) => new AttestationFormatError('attestation_cert_table', message);

function guidString(b: Uint8Array): string {
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Parses a certificate table: entries of {GUID (16 bytes), offset (u32 LE), length (u32 LE)}
 * ended by an all-zero entry; offsets count from the table start and point past the header.
 * An empty input is an empty table. Returns the certificate bytes by GUID string.
 *
 * @throws AttestationFormatError `attestation_cert_table`.
 * @example
 * ```ts
 * const vcek = parseCertTable(auxblob).get(CERT_TABLE_GUID.vcek);
 * ```
 */
export function parseCertTable(bytes: Uint8Array): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  if (bytes.length === 0) return entries;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: { guid: string; offset: number; length: number }[] = [];
  for (let at = 0; ; at += ENTRY_SIZE) {
    if (at + ENTRY_SIZE > bytes.length) throw invalid('certificate table has no terminating entry');
    const guid = bytes.subarray(at, at + 16);
    const offset = view.getUint32(at + 16, true);
    const length = view.getUint32(at + 20, true);
    if (offset === 0 && length === 0 && guid.every((b) => b === 0)) break;
    if (rows.length === MAX_ENTRIES) throw invalid(`more than ${MAX_ENTRIES} entries`);
    rows.push({ guid: guidString(guid), offset, length });
  }
  const headerEnd = (rows.length + 1) * ENTRY_SIZE;
  for (const { guid, offset, length } of rows) {
    if (offset < headerEnd || offset + length > bytes.length) {
      throw invalid(`entry ${guid} points outside the certificate data`);
    }
    if (entries.has(guid)) throw invalid(`duplicate entry ${guid}`);
    entries.set(guid, bytes.subarray(offset, offset + length));
  }
  return entries;
}
