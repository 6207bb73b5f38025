/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for the plain JSON data frostmint signs
 * (records, transcripts, group configurations): object members sorted by key in UTF-16
 * code unit order (§3.2.3), no whitespace (§3.2.1), numbers and strings serialized as
 * ECMAScript's JSON.stringify does (§3.2.2). An object member whose value is `undefined`
 * is absent, as in JSON.stringify; every other value that has no JSON form (`undefined`
 * in an array, NaN, ±Infinity, bigint, functions, symbols, class instances such as `Date`
 * or `Map`, lone surrogates, cycles) throws a `TypeError` rather than being silently
 * rewritten, so two parties can never sign different readings of one value.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, 'x'] }); // '{"a":[true,"x"],"b":1}'
 * canonicalJson({ when: new Date() });     // throws TypeError
 * ```
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', new Set());
}

function serialize(value: unknown, path: string, open: Set<object>): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // §3.2.2.3: I-JSON numbers only; NaN and ±Infinity have no JSON form.
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return JSON.stringify(value);
    case 'string':
      // §3.2.2.2 / RFC 7493 §2.1: strings must be valid Unicode (no lone surrogates).
      if (LONE_SURROGATE.test(value)) throw notJson(path, 'a string with a lone surrogate');
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, path, open);
    default:
      throw notJson(path, typeof value);
  }
}

/** With the `u` flag a surrogate pair is one code point, so only a lone half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

function serializeContainer(value: object, path: string, open: Set<object>): string {
  if (open.has(value)) throw notJson(path, 'a cycle');
  open.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((v, i) => serialize(v, `${path}[${i}]`, open)).join(',')}]`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw notJson(path, `an instance of ${value.constructor?.name ?? 'a class'}`);
    }
    // §3.2.3: sort by UTF-16 code units, which is what `<` compares for JS strings.
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${serialize(k, path, open)}:${serialize(v, `${path}.${k}`, open)}`);
    return `{${members.join(',')}}`;
  } finally {
    open.delete(value);
  }
}

function notJson(path: string, what: string): TypeError {
  return new TypeError(`canonical JSON: ${path} is ${what}, which has no JSON form`);
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
