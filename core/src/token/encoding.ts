import { InvalidRequestError } from '../errors.ts';
import {
  type TokenClaims,
  TokenClaimsSchema,
  type TokenHeader,
  TokenHeaderSchema,
} from './claims.ts';

const b64url = /^[A-Za-z0-9_-]+$/;

/**
 * The JWS signing input `ASCII(BASE64URL(header) || '.' || BASE64URL(claims))`
 * (RFC 7515 §5.1 step 6): the exact bytes the FROST quorum signs.
 *
 * @example
 * ```ts
 * const input = signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid }, claims);
 * const token = compactJws(input, signature);
 * ```
 */
export function signingInput(header: TokenHeader, claims: TokenClaims): string {
  return `${encodeSegment(header)}.${encodeSegment(claims)}`;
}

/** Appends the 64-byte Ed25519 signature to a signing input: the compact JWS (RFC 7515 §7.1). */
export function compactJws(input: string, signature: Uint8Array): string {
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/**
 * Parses and validates a signing input received from elsewhere (a signer checking what it
 * is asked to sign). Strict: canonical base64url, JSON objects, exact header, known claims.
 * Throws `InvalidRequestError` with code `token_malformed` otherwise.
 *
 * @example
 * ```ts
 * const { header, claims } = parseSigningInput(request.message);
 * ```
 */
export function parseSigningInput(message: Uint8Array | string): {
  header: TokenHeader;
  claims: TokenClaims;
} {
  const text = typeof message === 'string' ? message : Buffer.from(message).toString('latin1');
  const parts = text.split('.');
  if (parts.length !== 2) throw malformed('signing input must be two base64url segments');
  const [h, c] = parts as [string, string];
  const header = TokenHeaderSchema.safeParse(decodeSegment(h, 'header'));
  if (!header.success) throw malformed(`header: ${summarize(header.error)}`);
  const claims = TokenClaimsSchema.safeParse(decodeSegment(c, 'claims'));
  if (!claims.success) throw malformed(`claims: ${summarize(claims.error)}`);
  return { header: header.data, claims: claims.data };
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeSegment(segment: string, what: string): unknown {
  if (!b64url.test(segment)) throw malformed(`${what} is not base64url`);
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment)
    throw malformed(`${what} is not canonical base64url`);
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value;
  } catch {
    throw malformed(`${what} is not a JSON object`);
  }
}

function summarize(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function malformed(message: string): InvalidRequestError {
  return new InvalidRequestError('token_malformed', message);
}
