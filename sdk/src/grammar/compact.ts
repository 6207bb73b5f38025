import { FrostmintVerifyError } from '../errors.ts';
import { decodeCanonicalBase64url } from './base64url.ts';
import { malformed } from './malformed.ts';
import { parseScope } from './scope.ts';
import { parseStrictJson } from './strict-json.ts';

/** Largest token (or signing input) accepted, in bytes: frostmint's are well under 1 KiB. */
export const MAX_TOKEN_BYTES = 8 * 1024;
/** Latest NumericDate accepted: 9999-12-31T23:59:59Z. Later ones are bugs or attacks. */
export const MAX_NUMERIC_DATE = 253_402_300_799;
/** The NumericDate claims (RFC 7519 §4.1.4–4.1.6). */
const NUMERIC_DATES = ['exp', 'nbf', 'iat'] as const;

/** A token (or signing input) that passed the grammar; nothing about it is verified yet. */
export interface ParsedToken {
  /** The JOSE header (a JSON object with unique member names). */
  readonly header: Record<string, unknown>;
  /** The JWT claims set (a JSON object with unique member names). */
  readonly payload: Record<string, unknown>;
  /** The decoded signature; absent when parsing a two-segment signing input. */
  readonly signature?: Uint8Array;
}

/**
 * frostmint's one token grammar, applied by every signer to what it is asked to sign (two
 * segments: the JWS signing input) and by the SDK to what it is asked to accept (three
 * segments: the compact JWS), before anything else reads the token:
 *
 * - at most {@link MAX_TOKEN_BYTES} bytes, exactly `segments` dot-separated segments
 *   (RFC 7515 §7.1);
 * - each segment canonical base64url (see `decodeCanonicalBase64url`);
 * - header and payload UTF-8 JSON objects, strict (unique member names at every depth,
 *   bounded depth, finite numbers; see `parseStrictJson`);
 * - `exp`, `nbf`, `iat` when present integers in `0..MAX_NUMERIC_DATE` (RFC 7519 §2
 *   NumericDate, minus fractions and absurd values);
 * - `scope` when present RFC 6749 §3.3 scope syntax with no repeated token (see `parseScope`).
 *
 * Throws `FrostmintVerifyError` with a message naming the violation: `token_malformed` for
 * the encoding and JSON, `token_claims_invalid` for a NumericDate, `token_scope_invalid` for
 * the scope syntax.
 *
 * @example
 * ```ts
 * const { header, payload } = parseTokenGrammar(signingInput, 2); // a signer, before signing
 * parseTokenGrammar(bearerToken, 3); // the SDK, before jose
 * ```
 */
export function parseTokenGrammar(token: unknown, segments: 2 | 3): ParsedToken {
  if (typeof token !== 'string' || token === '') throw malformed('no token given');
  if (token.length > MAX_TOKEN_BYTES) {
    throw malformed(`token is longer than ${MAX_TOKEN_BYTES} bytes`);
  }
  const parts = token.split('.');
  if (parts.length !== segments) {
    throw malformed(`token must be ${segments} base64url segments separated by dots`);
  }
  const header = jsonObject(parts[0]!, 'header');
  const payload = jsonObject(parts[1]!, 'payload');
  checkRegisteredClaims(payload);
  if (segments === 2) return { header, payload };
  return { header, payload, signature: decodeCanonicalBase64url(parts[2]!, 'signature') };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function jsonObject(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeCanonicalBase64url(segment, what);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw malformed(`${what} is not UTF-8`);
  }
  const value = parseStrictJson(text, { what });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkRegisteredClaims(payload: Record<string, unknown>): void {
  for (const name of NUMERIC_DATES) {
    if (!Object.hasOwn(payload, name)) continue;
    const value = payload[name];
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < 0 ||
      value > MAX_NUMERIC_DATE
    ) {
      throw new FrostmintVerifyError(
        'token_claims_invalid',
        `${name} is not a NumericDate: an integer in 0..${MAX_NUMERIC_DATE}`,
      );
    }
  }
  if (Object.hasOwn(payload, 'scope')) parseScope(payload.scope);
}
