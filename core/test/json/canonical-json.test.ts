import { describe, expect, it } from 'vitest';
import { canonicalJson, domainSeparated } from '../../src/canonical-json.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units at every depth (§3.2.3 example keys)', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Not Object.keys(JSON.parse(…)): JS lists integer-like keys ('1') first.
    const keys = [...canonicalJson(value).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) =>
      JSON.parse(`"${m[1]}"`),
    );
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: [3, { z: 0, y: 1 }] })).toBe(
      '{"a":[3,{"y":1,"z":0}],"b":{"c":2,"d":1}}',
    );
  });

  it('serializes numbers as ECMAScript does (Appendix B samples)', () => {
    expect(canonicalJson([1e21, 1e-7, 0.000001, -0, 333333333.3333333, 4.5])).toBe(
      '[1e+21,1e-7,0.000001,0,333333333.3333333,4.5]',
    );
  });

  it('leaves out undefined object members and keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it.each([
    ['undefined in an array', [undefined]],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a Date', { at: new Date(0) }],
    ['a Map', new Map()],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['a symbol', [Symbol('s')]],
    ['a lone surrogate', { s: 'a\ud800b' }],
    ['a bare undefined', undefined],
  ])('refuses %s instead of rewriting it', (_what, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('refuses a cycle but accepts the same object twice side by side', () => {
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it('names the path of the offending value', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.NaN }] })).toThrow('$.a[1].b');
  });

  it('accepts objects without a prototype and surrogate pairs', () => {
    const bare = Object.assign(Object.create(null), { k: '\ud83d\ude00' });
    expect(canonicalJson(bare)).toBe('{"k":"😀"}');
  });
});

describe('domainSeparated', () => {
  it('prefixes the NUL-terminated domain and refuses one without NUL', () => {
    expect(domainSeparated('d/v1\0', { a: 1 }).toString('utf8')).toBe('d/v1\0{"a":1}');
    expect(() => domainSeparated('d/v1', {})).toThrow(TypeError);
  });
});
