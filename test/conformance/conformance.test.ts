import { verify } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_POINTS, type ConformanceCase, generateCases } from './cases.ts';
import { classOf } from './classes.ts';
import { type CaseResult, runGo, runPython, runTypeScript } from './runners.ts';

/**
 * One set of token cases, generated here, classified by all three verifiers: the TypeScript
 * SDK, the Go verifier (sdk-go) and the Python verifier (sdk-python). Each must give every
 * case its expected class (see classes.ts); so they all agree.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, '.test-artifacts', 'conformance');
const file = await generateCases();

const results: Record<string, Map<string, CaseResult>> = {};
const byName = (list: CaseResult[]) => new Map(list.map((r) => [r.name, r]));

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  const casesPath = join(OUT, 'cases.json');
  await writeFile(casesPath, JSON.stringify(file, null, 1));
  const [go, python] = await Promise.all([runGo(ROOT, casesPath, OUT), runPython(ROOT, casesPath)]);
  results['go'] = byName(go);
  results['python'] = byName(python);
  results['typescript'] = byName(await runTypeScript(file.cases));
}, 600_000);

const rows = file.cases.map((c) => [c.name, c] as const);

describe.each(['typescript', 'go', 'python'])('the %s verifier', (language) => {
  it.each(rows)('classifies %s', (name, c: ConformanceCase) => {
    const result = results[language]!.get(name);
    expect(
      result && { class: classOf(result.code), code: result.code, message: result.message },
      `${language} on ${name}`,
    ).toMatchObject({ class: c.expect });
  });
});

describe('all three verifiers', () => {
  it('give every case the very same error code (they share the code vocabulary)', () => {
    const codes = (language: string) =>
      file.cases.map((c) => `${c.name}: ${results[language]!.get(c.name)?.code ?? 'no result'}`);
    expect(codes('go')).toEqual(codes('typescript'));
    expect(codes('python')).toEqual(codes('typescript'));
  });
});

describe('the case file', () => {
  it('covers every outcome class and only uses known ones', () => {
    const classes = new Set(file.cases.map((c) => c.expect));
    expect([...classes].sort()).toEqual(
      [
        'audience',
        'claims',
        'dpop_binding',
        'dpop_missing',
        'dpop_proof',
        'dpop_replay',
        'expired',
        'header',
        'insufficient_scope',
        'issuer',
        'key',
        'lifetime',
        'malformed',
        'not_yet_valid',
        'scope',
        'signature',
        'valid',
      ].sort(),
    );
    expect(new Set(file.cases.map((c) => c.name)).size).toBe(file.cases.length);
  });

  it('holds a real forgery: under the identity key, R = identity and S = 0 verify anything', () => {
    const forged = file.cases.find((c) => c.name === 'key/jwks-identity-forged-token')!;
    const [h, p, s] = forged.token.split('.') as [string, string, string];
    const key = {
      key: { kty: 'OKP', crv: 'Ed25519', x: BAD_POINTS.identity.toString('base64url') },
      format: 'jwk',
    } as const;
    expect(verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  });
});
