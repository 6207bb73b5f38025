import { type CryptoKey, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { FrostmintVerifyError } from '../errors.ts';
import { ed25519JwkProblem } from './ed25519-point.ts';

/** Verification keys by `kid`, imported once and reused for every token. */
export type KeyMap = ReadonlyMap<string, CryptoKey>;

/**
 * Imports the Ed25519 verification keys of a JWKS. Keys of another type or curve, or marked
 * for another use or algorithm, are skipped (a JWKS may legitimately carry them). A set
 * without one usable key, a key without `kid`, a repeated `kid`, a key carrying private
 * material or one that is not a prime-order Ed25519 point (a small-order key would accept
 * forged signatures, see `ed25519KeyProblem`) make the whole document invalid (`jwks_invalid`), so a broken publication never
 * replaces a good cache.
 *
 * @example
 * ```ts
 * const keys = await importKeySet(await (await fetch(jwksUri)).json());
 * keys.get(kid); // CryptoKey | undefined
 * ```
 */
export async function importKeySet(document: unknown): Promise<KeyMap> {
  const keys = (document as Partial<JSONWebKeySet> | null)?.keys;
  if (!Array.isArray(keys)) {
    throw invalid('the JWKS has no "keys" array');
  }
  const imported = new Map<string, CryptoKey>();
  for (const jwk of keys as unknown[]) {
    if (!isEd25519SigningKey(jwk)) continue;
    if (typeof jwk.kid !== 'string' || jwk.kid === '') throw invalid('an Ed25519 key has no kid');
    if ('d' in jwk) throw invalid(`key ${jwk.kid} carries private key material`);
    if (imported.has(jwk.kid)) throw invalid(`kid ${jwk.kid} appears twice`);
    const problem = ed25519JwkProblem(jwk.x);
    if (problem !== undefined) throw invalid(`key ${jwk.kid} is ${problem}`);
    try {
      imported.set(jwk.kid, (await importJWK(jwk, 'EdDSA')) as CryptoKey);
    } catch (cause) {
      throw invalid(`key ${jwk.kid} cannot be imported`, cause);
    }
  }
  if (imported.size === 0) throw invalid('the JWKS has no Ed25519 signing key');
  return imported;
}

function isEd25519SigningKey(jwk: unknown): jwk is JWK {
  if (typeof jwk !== 'object' || jwk === null) return false;
  const { kty, crv, use, alg } = jwk as JWK;
  return (
    kty === 'OKP' &&
    crv === 'Ed25519' &&
    (use === undefined || use === 'sig') &&
    (alg === undefined || alg === 'EdDSA' || alg === 'Ed25519')
  );
}

function invalid(message: string, cause?: unknown): FrostmintVerifyError {
  return new FrostmintVerifyError('jwks_invalid', message, { cause });
}
