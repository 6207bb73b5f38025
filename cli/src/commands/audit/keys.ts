import { readFile } from 'node:fs/promises';
import { CliError, EXIT, usageError } from '@frostmint/client/cli-kit';
import { decodeBase64, type NoteVerifier, verifierFromKey } from '@frostmint/core';
import { fetchText } from './http.ts';

/** Where `frostmint audit` takes the log origin from when `--origin` is not given. */
export const ORIGIN_ENV = 'FROSTMINT_AUDIT_ORIGIN';
/** The default log origin (`audit.origin` of a coordinator that does not set it). */
export const DEFAULT_ORIGIN = 'frostmint.local/audit';

/**
 * The Ed25519 group public keys of a JWKS (a file, or an `http(s)` URL such as
 * `https://mint.example/.well-known/jwks.json`): every `OKP`/`Ed25519` key, so a JWKS that
 * lists the old and the new group key after a new DKG verifies checkpoints of both.
 *
 * @example
 * ```ts
 * const keys = await groupKeysFromJwks('jwks.json');
 * ```
 */
export async function groupKeysFromJwks(source: string): Promise<Uint8Array[]> {
  const text = /^https?:\/\//.test(source)
    ? await fetchText(new URL(source))
    : await readFile(source, 'utf8');
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new CliError('audit_jwks_invalid', EXIT.usage, `${source} is not JSON`);
  }
  const keys = ((jwks as { keys?: unknown }).keys ?? []) as unknown[];
  const out: Uint8Array[] = [];
  for (const key of Array.isArray(keys) ? keys : []) {
    const { kty, crv, x } = (key ?? {}) as { kty?: unknown; crv?: unknown; x?: unknown };
    if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string') continue;
    const bytes = Buffer.from(x, 'base64url');
    if (bytes.length === 32) out.push(new Uint8Array(bytes));
  }
  if (out.length === 0) {
    throw new CliError('audit_jwks_invalid', EXIT.usage, `${source} holds no Ed25519 key`);
  }
  return out;
}

/**
 * Parses `--witness` verifier keys (`name+<key id>+base64(0x04 ‖ key)`); a malformed one is
 * a usage error.
 *
 * @example
 * ```ts
 * const witnesses = witnessVerifiers(options.witness);
 * ```
 */
export function witnessVerifiers(keys: readonly string[]): NoteVerifier[] {
  return keys.map((key) => {
    try {
      return verifierFromKey(key);
    } catch (err) {
      throw usageError(`--witness ${key}: ${(err as Error).message}`);
    }
  });
}

/** Commander parser of a non-negative integer option. */
export function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw usageError(`not a count: ${value}`);
  return n;
}

/** Standard base64 of 32 bytes, or undefined. */
export function hash32(text: string): Uint8Array | undefined {
  const bytes = decodeBase64(text);
  return bytes?.length === 32 ? bytes : undefined;
}
