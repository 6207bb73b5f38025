import type { FastifyInstance } from 'fastify';
import { openApiDocument } from './document.ts';

/**
 * Serves the OpenAPI 3.1 document at `GET /openapi.json` (built once, on first request).
 *
 * @example
 * ```ts
 * registerOpenApiRoute(app, { issuer });
 * ```
 */
export function registerOpenApiRoute(app: FastifyInstance, options: { issuer: string }): void {
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    document ??= openApiDocument(options);
    return document;
  });
}
