import { z } from 'zod';

/** base64url without padding (RFC 4648 §5), as every id and signature on the wire is. */
export const B64u = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url expected');

/** Unix seconds. */
export const UnixSeconds = z.number().int();

/**
 * The claims of a token as the request endpoints show them before it is signed; only what
 * clients read is checked, the rest passes through.
 */
export const ShownClaimsSchema = z.looseObject({
  sub: z.string(),
  aud: z.string(),
  scope: z.string(),
  iat: UnixSeconds,
  exp: UnixSeconds,
});
export type ShownClaims = z.infer<typeof ShownClaimsSchema>;
