import { FrostmintVerifyError, type ParsedToken, parseTokenGrammar } from '@frostmint/sdk/grammar';
import { InvalidRequestError } from '../errors.ts';
import {
  type TokenClaims,
  TokenClaimsSchema,
  type TokenHeader,
  TokenHeaderSchema,
} from './claims.ts';

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
 * is asked to sign). First frostmint's one token grammar (`@frostmint/sdk/grammar`, the same
 * the SDK applies): two canonical base64url segments, strict JSON objects with unique member
 * names at every depth, size and depth caps, NumericDates, RFC 6749 §3.3 scope syntax; then
 * the exact header and the known claims. Throws `InvalidRequestError` with code
 * `token_malformed` and a message naming the violation.
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
  let parsed: ParsedToken;
  try {
    parsed = parseTokenGrammar(text, 2);
  } catch (err) {
    if (err instanceof FrostmintVerifyError) throw malformed(err.message);
    throw err;
  }
  const header = TokenHeaderSchema.safeParse(parsed.header);
  if (!header.success) throw malformed(`header: ${summarize(header.error)}`);
  const claims = TokenClaimsSchema.safeParse(parsed.payload);
  if (!claims.success) throw malformed(`claims: ${summarize(claims.error)}`);
  return { header: header.data, claims: claims.data };
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
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
