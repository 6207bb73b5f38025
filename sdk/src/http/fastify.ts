import type { IncomingHttpHeaders } from 'node:http';
import type { VerifiedToken, Verifier } from '../verifier.ts';
import { type BearerAuthOptions, bearerAuthenticator, requestUri } from './authenticate.ts';

/** The part of a Fastify request the hook reads and writes. */
export interface FastifyAuthRequest {
  readonly headers: IncomingHttpHeaders;
  readonly method: string;
  /** The path and query as received. */
  readonly url: string;
  readonly protocol: 'http' | 'https';
  frostmint?: VerifiedToken;
}

/** The part of a Fastify reply the hook uses. */
export interface FastifyAuthReply {
  code(statusCode: number): FastifyAuthReply;
  header(name: string, value: string): FastifyAuthReply;
  send(payload?: unknown): FastifyAuthReply;
}

/** An async `onRequest`/`preHandler` hook. */
export type FastifyAuthHook = (
  request: FastifyAuthRequest,
  reply: FastifyAuthReply,
) => Promise<FastifyAuthReply | undefined>;

/**
 * Fastify hook: verifies the `Authorization: Bearer` token (or `Authorization: DPoP` token
 * with its `DPoP` proof for this method and URI, RFC 9449) and puts the result on
 * `request.frostmint`; otherwise replies 401/403 with an RFC 6750 (or RFC 9449) `WWW-Authenticate`
 * challenge (503 when no usable JWKS) and a JSON `{error, message}`. Use it app-wide or per
 * route; `onRequest` runs before the body is read.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * app.decorateRequest('frostmint', undefined);
 * app.addHook('onRequest', fastifyAuth(verifier, { realm: 'deploy-api' }));
 * app.post('/deploy', { onRequest: fastifyAuth(verifier, { requiredScopes: ['deploy:canary'] }) },
 *   async (request) => ({ by: request.frostmint?.claims.sub }));
 * ```
 */
export function fastifyAuth(verifier: Verifier, options: BearerAuthOptions = {}): FastifyAuthHook {
  const authenticate = bearerAuthenticator(verifier, options);
  return async (request, reply) => {
    const outcome = await authenticate({
      authorization: request.headers.authorization,
      dpop: request.headers.dpop,
      method: request.method,
      url: requestUri(options, request.protocol === 'https', request.headers.host, request.url),
    });
    if (outcome.ok) {
      request.frostmint = outcome.token;
      return undefined;
    }
    reply.code(outcome.status).header('cache-control', 'no-store');
    for (const [name, value] of Object.entries(outcome.headers)) reply.header(name, value);
    return reply.send(outcome.body);
  };
}
