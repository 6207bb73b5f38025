import { FrostmintError, TooManyRequestsError } from '@frostmint/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedMethods } from './route-table.ts';

/** Codes of the HTTP framework's own 4xx answers (anything else 4xx is `invalid_request`). */
const FRAMEWORK_CODES: Readonly<Record<number, string>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
};

/**
 * The one place errors become HTTP answers: `{error, message}` with the error's status.
 * Typed errors keep their code; the framework's own refusals (malformed JSON, too large,
 * wrong content type, bad URL encoding) keep their 4xx status with a stable code; anything
 * unexpected is logged with its stack and answered `500 internal` with no detail.
 *
 * @example
 * ```ts
 * app.setErrorHandler(replyWithError);
 * ```
 */
export function replyWithError(
  err: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err instanceof FrostmintError) {
    request.log.info({ code: err.code, status: err.status }, 'request refused');
    if (err instanceof TooManyRequestsError)
      void reply.header('retry-after', err.retryAfterSeconds);
    // 503s (no quorum, store full) are transient: tell clients when to try again.
    else if (err.status === 503) void reply.header('retry-after', 1);
    void reply.status(err.status).send(err.toJSON());
    return;
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    request.log.info({ code: (err as FastifyError).code, status }, 'request refused');
    const error = FRAMEWORK_CODES[status] ?? 'invalid_request';
    const what = error === 'invalid_request' ? 'malformed request' : error.replaceAll('_', ' ');
    // The framework's messages may quote the request (a whole URL): keep them short.
    const detail = err.message.length > 200 ? `${err.message.slice(0, 200)}…` : err.message;
    void reply.status(status).send({ error, message: `${what}: ${detail}` });
    return;
  }
  request.log.error({ err }, 'unexpected error');
  void reply
    .status(500)
    .send({ error: 'internal', message: 'internal error; see the coordinator log' });
}

/**
 * Answers a request no route takes: 405 `method_not_allowed` with `Allow` when the path
 * exists under other methods, else 404 `not_found`.
 *
 * @example
 * ```ts
 * app.setNotFoundHandler(notFound(app));
 * ```
 */
export function notFound(app: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) {
      void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({
          error: 'method_not_allowed',
          message: `${request.method} is not allowed here; use ${allowed.join(' or ')}`,
        });
      return;
    }
    void reply
      .status(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${path}` });
  };
}
