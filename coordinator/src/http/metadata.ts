import type { FastifyInstance } from 'fastify';

/** Where the metadata documents point; all absolute URLs under the issuer. */
export interface MetadataOptions {
  /** The `iss` of every token, and the base of every URL below. */
  readonly issuer: string;
}

/** The algorithm of every token the group key signs (RFC 8037 EdDSA over Ed25519). */
const ALGS = ['EdDSA'];

/**
 * The fields the OpenID Connect discovery document and the RFC 8414 metadata share. frostmint
 * is a token issuer for verifiers, not an OAuth 2.0 authorization server or an OpenID
 * Provider: it runs no RFC 6749 grant, so it lists none and has no authorization or token
 * endpoint (docs/metadata.md explains each field and each omission).
 */
function common(issuer: string) {
  const at = (path: string) => new URL(path, issuer).href;
  return {
    // RFC 8414 §2 / OIDC Discovery 1.0 §3: REQUIRED, identical to every token's `iss`.
    issuer,
    // RFC 8414 §2 OPTIONAL, OIDC Discovery §3 REQUIRED: the group key as a JWK Set.
    jwks_uri: at('/.well-known/jwks.json'),
    // RFC 8414 §2 / OIDC Discovery §3: REQUIRED. No response type of the authorization
    // endpoint is supported, because there is none.
    response_types_supported: [] as string[],
    // RFC 8414 §2: OPTIONAL, but omitted it defaults to ["authorization_code", "implicit"],
    // which frostmint does not run: say "none" explicitly.
    grant_types_supported: [] as string[],
    // Extensions (RFC 8414 §2 allows more members): the frostmint API itself.
    frostmint_mint_endpoint: at('/v1/mint'),
    frostmint_openapi_uri: at('/openapi.json'),
    token_signing_alg_values_supported: ALGS,
  };
}

/**
 * The OpenID Connect Discovery 1.0 document (`/.well-known/openid-configuration`, §4): what
 * OIDC libraries (go-oidc in oauth2-proxy, jose's remote JWKS helpers) read to verify tokens.
 *
 * @example
 * ```ts
 * openIdConfiguration('https://mint.example.com').jwks_uri; // 'https://mint.example.com/.well-known/jwks.json'
 * ```
 */
export function openIdConfiguration(issuer: string) {
  return {
    ...common(issuer),
    // OIDC Discovery §3 REQUIRED: `sub` is the requester's own id, the same for every
    // audience (OIDC Core §8 "public"), never a pairwise pseudonym.
    subject_types_supported: ['public'],
    // OIDC Discovery §3 REQUIRED: verifiers take the accepted algorithms from here (and
    // default to RS256 without it). frostmint signs access tokens, not ID tokens, with it.
    id_token_signing_alg_values_supported: ALGS,
  };
}

/**
 * The RFC 8414 authorization server metadata (`/.well-known/oauth-authorization-server`,
 * §3): the same facts for OAuth 2.0 tooling that looks there instead.
 *
 * @example
 * ```ts
 * authorizationServerMetadata('https://mint.example.com').grant_types_supported; // []
 * ```
 */
export function authorizationServerMetadata(issuer: string) {
  return common(issuer);
}

/**
 * Serves the JWKS and both metadata documents (cacheable for five minutes: they change only
 * when the group key does).
 *
 * @example
 * ```ts
 * registerMetadataRoutes(app, { issuer }, () => (group ? [group.jwk] : []));
 * ```
 */
export function registerMetadataRoutes(
  app: FastifyInstance,
  options: MetadataOptions,
  keys: () => readonly object[],
): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return { keys: keys() };
  });
  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return openIdConfiguration(options.issuer);
  });
  // RFC 8414 §3.1: for an issuer with a path, the path follows the well-known suffix.
  const path = new URL(options.issuer).pathname.replace(/\/$/, '');
  app.get(`/.well-known/oauth-authorization-server${path}`, async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return authorizationServerMetadata(options.issuer);
  });
}
