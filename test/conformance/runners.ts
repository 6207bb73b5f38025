import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createVerifier,
  FrostmintVerifyError,
  type Verifier,
  type VerifierOptions,
  type VerifyOptions,
} from '@frostmint/sdk';
import type { ConformanceCase } from './cases.ts';

const run = promisify(execFile);
const KNOWN_DPOP = new Set(['proof', 'htm', 'htu', 'presentTwice']);
const KNOWN_OPTIONS = new Set([
  'issuer',
  'audience',
  'clockTolerance',
  'maxTokenAge',
  'maxTokenLifetime',
]);

/** One verifier's outcome for one case: `code` is '' when the token was accepted. */
export interface CaseResult {
  name: string;
  code: string;
  message?: string;
}

/**
 * Runs the TypeScript SDK (`@frostmint/sdk`) over the cases, in process.
 *
 * @example
 * ```ts
 * const results = await runTypeScript(file.cases);
 * ```
 */
export async function runTypeScript(cases: readonly ConformanceCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const { now, requiredScopes, dpop, ...rest } = c.options;
    const unknown = [
      ...Object.keys(rest).filter((k) => !KNOWN_OPTIONS.has(k)),
      ...Object.keys(dpop ?? {})
        .filter((k) => !KNOWN_DPOP.has(k))
        .map((k) => `dpop.${k}`),
    ];
    if (unknown.length > 0) {
      // e.g. a DPoP proof this runner cannot check: fail the case, never ignore it
      results.push({ name: c.name, code: 'unexpected', message: `unknown options ${unknown}` });
      continue;
    }
    // maxTokenLifetime is passed through as data: the SDK type may not declare it yet.
    const options: VerifierOptions = { ...rest, jwks: c.jwks as never, clock: () => now * 1000 };
    const verifier = createVerifier(options);
    const verifyOptions: VerifyOptions = {
      requiredScopes: requiredScopes ?? [],
      ...(dpop && { dpop: { proof: dpop.proof, htm: dpop.htm, htu: dpop.htu } }),
    };
    try {
      await verifyOnceOrTwice(verifier, c.token, verifyOptions, dpop?.presentTwice === true);
      results.push({ name: c.name, code: '' });
    } catch (err) {
      results.push(
        err instanceof FrostmintVerifyError
          ? { name: c.name, code: err.code, message: err.message }
          : { name: c.name, code: 'unexpected', message: String(err) },
      );
    } finally {
      verifier.close();
    }
  }
  return results;
}

/** A replay case presents the same token and proof twice; the second outcome counts. */
async function verifyOnceOrTwice(
  verifier: Verifier,
  token: string,
  options: VerifyOptions,
  twice: boolean,
): Promise<void> {
  await verifier.verify(token, options);
  if (twice) await verifier.verify(token, options);
}

/**
 * Builds the Go runner (sdk-go/cmd/frostmint-conformance) once into `outDir` and runs it.
 *
 * @example
 * ```ts
 * const results = await runGo(root, casesPath, '.test-artifacts/conformance');
 * ```
 */
export async function runGo(
  root: string,
  casesPath: string,
  outDir: string,
): Promise<CaseResult[]> {
  await mkdir(outDir, { recursive: true });
  const binary = join(outDir, 'frostmint-conformance');
  await run('go', ['build', '-o', binary, './cmd/frostmint-conformance'], {
    cwd: join(root, 'sdk-go'),
    env: { ...process.env, GOFLAGS: '-buildvcs=false' },
  });
  return parse(await run(binary, [casesPath], { maxBuffer: 16 << 20 }));
}

/**
 * Runs the Python verifier (sdk-python/conformance.py) with `python3`.
 *
 * @example
 * ```ts
 * const results = await runPython(root, casesPath);
 * ```
 */
export async function runPython(root: string, casesPath: string): Promise<CaseResult[]> {
  const dir = join(root, 'sdk-python');
  return parse(
    await run('python3', [join(dir, 'conformance.py'), casesPath], {
      env: { ...process.env, PYTHONPATH: dir },
      maxBuffer: 16 << 20,
    }),
  );
}

function parse({ stdout }: { stdout: string }): CaseResult[] {
  return JSON.parse(stdout) as CaseResult[];
}
