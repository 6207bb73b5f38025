/**
 * Canonical JSON: object members sorted by key (UTF-16 code unit order), no whitespace,
 * `undefined` members left out; arrays keep their order. For the plain JSON data frostmint
 * signs (records, transcripts, group configurations) this is the RFC 8785 (JCS) encoding.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, 'x'] }); // '{"a":[true,"x"],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `domain ‖ canonicalJson(value)` as bytes: the input of every frostmint signature over
 * structured data. `domain` names the purpose and version and ends in NUL, so two purposes
 * can never produce the same bytes, and none of them is a JWS signing input.
 *
 * @example
 * ```ts
 * const input = domainSeparated('frostmint/group-config/v2\0', unsigned);
 * ```
 */
export function domainSeparated(domain: string, value: unknown): Buffer {
  if (!domain.endsWith('\0')) throw new TypeError('a signing domain ends with NUL');
  return Buffer.concat([Buffer.from(domain, 'utf8'), Buffer.from(canonicalJson(value), 'utf8')]);
}
