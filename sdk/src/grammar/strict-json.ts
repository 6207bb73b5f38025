import { malformed } from './malformed.ts';

/** Deepest nesting of objects and arrays accepted; a frostmint token needs 3. */
export const MAX_JSON_DEPTH = 8;

/** What to accept from a JSON text; see {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /** Deepest nesting of objects and arrays (the top-level value is depth 1). */
  readonly maxDepth?: number;
  /** Names the text in error messages, e.g. `header`. */
  readonly what?: string;
}

/**
 * Parses a JSON text (RFC 8259) more strictly than `JSON.parse`, so that no two parsers can
 * read a token differently: member names must be unique within each object at every depth
 * (RFC 7515 §4, RFC 7519 §4: a JWS/JWT with duplicate names is rejected, never
 * "last one wins"), names are compared after unescaping (`"a"` and `"\u0061"` are the same),
 * strings may not hold unpaired surrogates (RFC 7493 §2.1), numbers must be finite
 * (`1e999` is refused), and nesting is capped. Anything else is exactly RFC 8259 JSON: the
 * result deep-equals what `JSON.parse` returns (including an own `__proto__` member).
 * Throws `FrostmintVerifyError` `token_malformed` naming the offset and the reason.
 *
 * @example
 * ```ts
 * parseStrictJson('{"scope":"read"}'); // { scope: 'read' }
 * parseStrictJson('{"scope":"admin","scope":"read"}'); // throws token_malformed (duplicate "scope")
 * ```
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): unknown {
  const parser = new Parser(text, options.maxDepth ?? MAX_JSON_DEPTH, options.what ?? 'JSON');
  parser.skipWhitespace();
  const value = parser.value(1);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('unexpected data after the JSON value');
  return value;
}

/** RFC 8259 §6 number grammar, anchored at the current position by `lastIndex`. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly what: string,
  ) {}

  fail(reason: string): never {
    throw malformed(`${this.what} is not strict JSON: ${reason} at offset ${this.pos}`);
  }

  /** RFC 8259 §2: insignificant whitespace is space, tab, LF and CR only. */
  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  value(depth: number): unknown {
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
      return c === '{' ? this.object(depth) : this.array(depth);
    }
    if (c === '"') return this.string();
    for (const [literal, result] of LITERALS) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return result;
      }
    }
    return this.number();
  }

  object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const names = new Set<string>();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail('expected a member name');
      const name = this.string();
      // RFC 7515 §4 / RFC 7519 §4: member names MUST be unique.
      if (names.has(name)) this.fail(`duplicate member name ${JSON.stringify(name)}`);
      names.add(name);
      this.skipWhitespace();
      this.expect(':');
      this.skipWhitespace();
      // defineProperty, not assignment: a member named "__proto__" stays an own property.
      Object.defineProperty(result, name, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      this.expect(',');
      this.skipWhitespace();
    }
  }

  array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skipWhitespace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      this.expect(',');
      this.skipWhitespace();
    }
  }

  /** RFC 8259 §7, minus unpaired surrogates (RFC 7493 §2.1). Copies runs of plain characters. */
  string(): string {
    this.pos++;
    let out = '';
    let run = this.pos;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) {
        this.pos++;
        continue;
      }
      out += this.text.slice(run, this.pos);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('unescaped control character in a string');
      if (c === 0x5c) {
        out += this.escape();
      } else {
        const low = this.text.charCodeAt(this.pos + 1);
        if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) this.fail('unpaired surrogate');
        out += this.text.slice(this.pos, this.pos + 2);
        this.pos += 2;
      }
      run = this.pos;
    }
  }

  escape(): string {
    const e = this.text[this.pos + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (e !== 'u') this.fail('invalid escape');
    const unit = this.hex4(this.pos + 2);
    this.pos += 6;
    if (unit >= 0xdc00 && unit <= 0xdfff) this.fail('unpaired surrogate escape');
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    const low = this.text.startsWith('\\u', this.pos) ? this.hex4(this.pos + 2) : -1;
    if (!(low >= 0xdc00 && low <= 0xdfff)) this.fail('unpaired surrogate escape');
    this.pos += 6;
    return String.fromCharCode(unit, low);
  }

  hex4(at: number): number {
    const digits = this.text.slice(at, at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(digits)) this.fail('invalid \\u escape');
    return Number.parseInt(digits, 16);
  }

  number(): number {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('expected a JSON value');
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.fail(`number ${match[0].slice(0, 32)} is out of range`);
    this.pos += match[0].length;
    return value;
  }

  expect(char: string): void {
    if (this.text[this.pos] !== char) this.fail(`expected '${char}'`);
    this.pos++;
  }
}

const LITERALS: readonly [string, unknown][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
