import { z } from 'zod';

/**
 * Asymmetric JWS algorithms a trusted issuer may be pinned to (RFC 7518 §3.1, RFC 8037).
 * `none` and the HMAC family are not in the list on purpose: an ID token is verified with
 * the issuer's public key, and accepting `HS*` would let anyone holding that public key
 * forge tokens ("alg confusion").
 */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

/** `https:`, or plain `http:` on loopback only (local issuers in tests and demos). */
export const SecureUrlSchema = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    );
  }, 'must be https (plain http only on loopback)');

const StaticJwksSchema = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(32) })
  .strict();

/**
 * One OIDC issuer whose ID tokens may be exchanged for frostmint tokens, e.g. GitHub
 * Actions (`https://token.actions.githubusercontent.com`) or a GitLab instance.
 */
export const TrustedIssuerSchema = z
  .object({
    /** The exact `iss` (OIDC Core §2), also the base of discovery. */
    issuer: SecureUrlSchema,
    /** The `aud` an ID token must carry (what the CI job requested), e.g. `frostmint`. */
    audience: z.string().min(1).max(256),
    /** Algorithms accepted from this issuer; GitHub and GitLab sign with RS256. */
    algorithms: z.array(z.enum(OIDC_ALGORITHMS)).min(1).default(['RS256']),
    /** Pinned keys (no network). Else the JWKS is discovered and cached. */
    jwks: StaticJwksSchema.optional(),
    /** Skips discovery: the JWKS URL to fetch. */
    jwksUri: SecureUrlSchema.optional(),
    /** Tolerated clock skew for `exp`, `nbf`, `iat`, in seconds. */
    clockSkewSeconds: z.number().int().min(0).max(300).default(60),
    /** Refuse ID tokens issued longer ago than this (seconds). */
    maxTokenAgeSeconds: z.number().int().min(60).max(86_400).default(3_600),
  })
  .strict()
  .refine((i) => !(i.jwks && i.jwksUri), 'give either jwks or jwksUri, not both');
export type TrustedIssuer = z.infer<typeof TrustedIssuerSchema>;

/** The OIDC section of coordinator and signer configurations. */
export const OidcConfigSchema = z
  .object({
    issuers: z.array(TrustedIssuerSchema).min(1).max(32),
    /** JWKS cache, as in the SDK: background refresh period (seconds). */
    refreshIntervalSeconds: z.number().int().min(10).max(86_400).default(300),
    /** Keep using cached keys for this long after the last successful fetch (seconds). */
    maxStalenessSeconds: z.number().int().min(60).max(604_800).default(86_400),
    /** Minimum time between two fetches, e.g. for an unknown `kid` (seconds). */
    cooldownSeconds: z.number().int().min(0).max(3_600).default(30),
    /** Timeout of one discovery or JWKS fetch (milliseconds). */
    fetchTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .strict()
  .refine(
    (c) => new Set(c.issuers.map((i) => i.issuer)).size === c.issuers.length,
    'an issuer appears twice',
  );
export type OidcConfig = z.infer<typeof OidcConfigSchema>;
export type OidcConfigInput = z.input<typeof OidcConfigSchema>;
