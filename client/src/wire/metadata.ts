import { z } from 'zod';

/** `PUT /v1/policy`: the rollout of a signed policy bundle. */
export const PolicySubmitResultSchema = z.looseObject({
  policy: z.string(),
  previous: z.string(),
  changed: z.boolean(),
  signers: z.array(
    z.looseObject({
      id: z.number().int(),
      policy: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
});
export type PolicySubmitResult = z.infer<typeof PolicySubmitResultSchema>;

/** `GET /.well-known/openid-configuration`: what clients read of the discovery document. */
export const DiscoverySchema = z.looseObject({
  issuer: z.url(),
  jwks_uri: z.url(),
});
export type Discovery = z.infer<typeof DiscoverySchema>;

/** `GET /.well-known/jwks.json` (RFC 7517 §5): the group's public key(s). */
export const JwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional() })),
});
export type Jwks = z.infer<typeof JwksSchema>;
