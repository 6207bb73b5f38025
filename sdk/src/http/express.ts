import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerifiedToken, Verifier } from '../verifier.ts';
import { type BearerAuthOptions, bearerAuthenticator, requestUri } from './authenticate.ts';

/** A request that went through the middleware: the verified token is on `frostmint`. */
export interface FrostmintRequest extends IncomingMessage {
  frostmint?: VerifiedToken;
  /** Express's path before mounting stripped a prefix from `url`. */
  originalUrl?: string;
}

/** Connect-style middleware, as Express 4/5 (and connect, polka…) take it. */
export type ExpressMiddleware = (
  req: FrostmintRequest,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * Express middleware: verifies the `Authorization: Bearer` token (or `Authorization: DPoP`
 * token with its `DPoP` proof for this method and URI, RFC 9449), puts the result on
 * `req.frostmint` and calls `next()`; otherwise answers 401/403 with an RFC 6750
 * (or RFC 9449 `DPoP`) `WWW-Authenticate` challenge (503 when no usable JWKS) and a JSON `{error, message}`.
 * Needs nothing from Express itself (plain `node:http` response methods).
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(expressAuth(verifier, { realm: 'deploy-api', origin: 'https://api.example' }));
 * app.post('/deploy', expressAuth(verifier, { requiredScopes: ['deploy:canary'] }), (req, res) => {
 *   res.json({ by: (req as FrostmintRequest).frostmint?.claims.sub });
 * });
 * ```
 */
export function expressAuth(
  verifier: Verifier,
  options: BearerAuthOptions = {},
): ExpressMiddleware {
  const authenticate = bearerAuthenticator(verifier, options);
  return (req, res, next) => {
    const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    const path = req.originalUrl ?? req.url ?? '/';
    const request = {
      authorization: req.headers.authorization,
      dpop: req.headers.dpop,
      method: req.method ?? 'GET',
      url: requestUri(options, encrypted, req.headers.host, path),
    };
    authenticate(request).then((outcome) => {
      if (outcome.ok) {
        req.frostmint = outcome.token;
        next();
        return;
      }
      res.statusCode = outcome.status;
      for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify(outcome.body));
    }, next);
  };
}
