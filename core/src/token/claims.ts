import { parseScope } from '@frostmint/sdk/grammar';
import { z } from 'zod';

/** Hard cap on token lifetime in seconds; policy or configuration may only lower it. */
export const MAX_TOKEN_TTL_SECONDS = 900;

/** A token lifetime in seconds: 1..900. */
export const TokenTtlSchema = z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS);

/** The protected header of every frostmint token (RFC 9068 §2.1, RFC 8037 §3.1). */
export const TokenHeaderSchema = z
  .object({
    alg: z.literal('EdDSA'),
    typ: z.literal('at+jwt'),
    kid: z.string().min(1).max(128),
  })
  .strict();
export type TokenHeader = z.infer<typeof TokenHeaderSchema>;

/** Claims of a frostmint access token (RFC 9068 §2.2 plus the `frostmint` object). */
export const TokenClaimsSchema = z
  .object({
    iss: z.string().url(),
    sub: z.string().min(1).max(256),
    aud: z.string().min(1).max(256),
    scope: z
      .string()
      .min(1)
      .max(2048)
      .refine(
        isScope,
        'scope must be distinct RFC 6749 §3.3 scope tokens separated by single spaces',
      ),
    iat: z.number().int().nonnegative(),
    nbf: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    jti: z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'jti must be ≥ 128 bits of base64url'),
    client_id: z.string().min(1).max(256),
    amr: z.array(z.string().min(1).max(32)).max(8).optional(),
    /** DPoP binding (RFC 9449 §6.1, RFC 7800 §3.1): RFC 7638 SHA-256 thumbprint of the key. */
    cnf: z
      .object({ jkt: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'jkt is a base64url SHA-256') })
      .strict()
      .optional(),
    frostmint: z
      .object({
        signers: z.array(z.number().int().min(1).max(255)).min(1).max(16),
        policy: z.string().min(1).max(128).optional(),
        approvals: z.array(z.string().min(1).max(128)).max(16).optional(),
      })
      .strict(),
  })
  .strict();
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

/** Splits a `scope` claim into its scope tokens. */
export function scopesOf(claims: Pick<TokenClaims, 'scope'>): string[] {
  return claims.scope.split(' ');
}

function isScope(scope: string): boolean {
  try {
    parseScope(scope);
    return true;
  } catch {
    return false;
  }
}
