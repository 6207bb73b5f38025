import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  EmbeddedJWK,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { FrostmintVerifyError } from '../errors.ts';
import { parseTokenGrammar } from '../grammar/compact.ts';
import { ed25519JwkProblem } from '../jwks/ed25519-point.ts';
import { normaliseHtu } from './htu.ts';
import type { DpopReplayStore } from './replay.ts';

/** Proof algorithms accepted: asymmetric only (RFC 9449 §4.3 step 5), the `algs` we announce. */
export const DPOP_ALGS = ['EdDSA', 'ES256', 'ES384'] as const;
/** Default lifetime of a proof after its `iat`, in seconds. */
export const DPOP_MAX_AGE = 60;
/** Longest `jti` accepted: a random identifier, not a payload. */
export const DPOP_MAX_JTI = 128;
/** JWK members that only a private (or symmetric) key has (RFC 7517 §9.2, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** What a proof must match, and how to check freshness. */
export interface DpopProofCheck {
  /** The request method, e.g. `POST` (compared exactly, RFC 9449 §4.3 step 8). */
  readonly htm: string;
  /** The request's target URI; compared after {@link normaliseHtu}. */
  readonly htu: string | URL;
  /** The access token presented with the proof: then `ath` is required and checked. */
  readonly accessToken?: string;
  /** Current time, ms since the epoch. */
  readonly now: number;
  /** Proof lifetime after `iat`, seconds. Default {@link DPOP_MAX_AGE}. */
  readonly maxAge?: number;
  /** Allowed clock skew, seconds; the `iat` window is ±(maxAge + clockTolerance). */
  readonly clockTolerance: number;
  /** Single-use store; omitted only by callers that check replay themselves later. */
  readonly replayStore?: DpopReplayStore;
}

/** A proof that passed every check. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key, base64url: the `cnf.jkt` it proves. */
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
  /** The public key from the header. */
  readonly jwk: JWK;
}

/**
 * `ath` for an access token: base64url(SHA-256(ASCII token)) (RFC 9449 §4.2).
 *
 * @example
 * ```ts
 * accessTokenHash('eyJ...'); // 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
 * ```
 */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/**
 * Verifies one DPoP proof JWT per RFC 9449 §4.3: strict grammar, `typ` `dpop+jwt`, `alg` in
 * {@link DPOP_ALGS}, a public `jwk` in the header that verifies the signature, `jti`, `htm`,
 * `htu`, `iat` within ±(maxAge + clockTolerance) of now, `ath` when a token is given, and
 * `jti` single-use in `replayStore` (keyed by thumbprint and `jti`). Rejects with
 * `FrostmintVerifyError` `dpop_proof_invalid`, `dpop_binding_mismatch` (`ath`) or
 * `dpop_proof_replayed`. Whether the key is the one the token is bound to (`cnf.jkt`) is the
 * caller's check: compare the returned `jkt`.
 *
 * @example
 * ```ts
 * const { jkt } = await verifyDpopProof(req.headers.dpop, {
 *   htm: 'POST', htu: 'https://mint.example/v1/mint', now: Date.now(), clockTolerance: 30,
 *   replayStore,
 * });
 * ```
 */
export async function verifyDpopProof(
  proof: unknown,
  check: DpopProofCheck,
): Promise<VerifiedDpopProof> {
  const { header, payload } = proofGrammar(proof);
  if (header.typ !== 'dpop+jwt') throw invalid('typ is not dpop+jwt');
  if (!(DPOP_ALGS as readonly unknown[]).includes(header.alg)) {
    throw invalid(`alg must be one of ${DPOP_ALGS.join(' ')}`);
  }
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw invalid('header has no jwk');
  }
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) {
    throw invalid('header jwk is not a public key');
  }
  // RFC 8032 §5.1.3 accepts small-order keys; a proof under one proves nothing (as in Go, Python).
  const okp = jwk as { kty?: unknown; crv?: unknown; x?: unknown };
  const weak = okp.kty === 'OKP' && okp.crv === 'Ed25519' ? ed25519JwkProblem(okp.x) : undefined;
  if (weak !== undefined) throw invalid(`header jwk is no usable Ed25519 key (${weak})`);
  let claims: JWTPayload;
  try {
    const verified = await jwtVerify(proof as string, EmbeddedJWK, {
      algorithms: [...DPOP_ALGS],
      typ: 'dpop+jwt',
      currentDate: new Date(check.now),
      clockTolerance: check.clockTolerance,
    });
    claims = verified.payload;
  } catch (err) {
    if (!(err instanceof errors.JOSEError)) throw err;
    throw invalid(
      err instanceof errors.JWSSignatureVerificationFailed
        ? 'signature does not verify under the header jwk'
        : err.message,
    );
  }
  const { jti, iat } = requiredClaims(payload);
  if (payload.htm !== check.htm) throw invalid('htm is not the request method');
  const expected = normaliseHtu(check.htu);
  if (expected === undefined || normaliseHtu(payload.htu as string) !== expected) {
    throw invalid('htu is not the request URI');
  }
  const window = (check.maxAge ?? DPOP_MAX_AGE) + check.clockTolerance;
  const nowSec = check.now / 1000;
  if (Math.abs(nowSec - iat) > window) throw invalid('iat is outside the accepted window');
  if (check.accessToken !== undefined) {
    // RFC 9449 §4.3 step 12: a proof presented with a token carries that token's hash.
    if (typeof claims.ath !== 'string') throw invalid('ath is missing');
    if (claims.ath !== accessTokenHash(check.accessToken)) {
      throw new FrostmintVerifyError(
        'dpop_binding_mismatch',
        'DPoP proof ath is not the hash of the presented token',
      );
    }
  }
  const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  const verified = { jkt, jti, iat, jwk: jwk as JWK };
  if (check.replayStore !== undefined) await spendDpopProof(verified, check);
  return verified;
}

/**
 * Marks a verified proof used in `check.replayStore` until it could no longer pass the `iat`
 * window; rejects with `dpop_proof_replayed` when its `jti` (for this key) was already used
 * (RFC 9449 §11.1). {@link verifyDpopProof} calls it when given a store; call it yourself to
 * spend the proof only after further checks.
 *
 * @example
 * ```ts
 * const proof = await verifyDpopProof(header, { htm, htu, now, clockTolerance: 30 });
 * if (proof.jkt === expectedJkt) await spendDpopProof(proof, { now, clockTolerance: 30, replayStore });
 * ```
 */
export async function spendDpopProof(
  proof: VerifiedDpopProof,
  check: Pick<DpopProofCheck, 'now' | 'maxAge' | 'clockTolerance' | 'replayStore'>,
): Promise<void> {
  if (check.replayStore === undefined) throw new TypeError('spendDpopProof needs a replayStore');
  const window = (check.maxAge ?? DPOP_MAX_AGE) + check.clockTolerance;
  const expiresAt = Math.ceil(Math.max(check.now / 1000, proof.iat) + window);
  if (!(await check.replayStore.remember(`${proof.jkt}:${proof.jti}`, expiresAt))) {
    throw new FrostmintVerifyError('dpop_proof_replayed', 'DPoP proof jti was already used');
  }
}

function proofGrammar(proof: unknown): ReturnType<typeof parseTokenGrammar> {
  try {
    return parseTokenGrammar(proof, 3);
  } catch (err) {
    if (!(err instanceof FrostmintVerifyError)) throw err;
    throw invalid(err.message);
  }
}

function requiredClaims(payload: Record<string, unknown>): { jti: string; iat: number } {
  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== 'string' || jti === '' || jti.length > DPOP_MAX_JTI) {
    throw invalid(`jti must be a string of 1..${DPOP_MAX_JTI} characters`);
  }
  if (typeof htm !== 'string') throw invalid('htm is missing');
  if (typeof htu !== 'string') throw invalid('htu is missing');
  if (typeof iat !== 'number') throw invalid('iat is missing');
  return { jti, iat };
}

function invalid(reason: string): FrostmintVerifyError {
  return new FrostmintVerifyError('dpop_proof_invalid', `DPoP proof invalid: ${reason}`);
}
