import { type ErrorCode, FrostmintError, TooManyRequestsError } from '@frostmint/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedMethods } from './route-table.ts';

/** Codes of the HTTP framework's own 4xx answers (anything else 4xx is `invalid_request`). */
const FRAMEWORK_CODES: Readonly<Record<number, ErrorCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
};

/**
 * The one place errors become HTTP answers: `{error, message}` with the status of the
 * error's code (core's `ERROR_CODES`). Typed errors keep their code; the framework's own
 * refusals (malformed JSON, too large, wrong content type, bad URL encoding) get a stable
 * code of the table; anything unexpected is logged with its stack and answered
 * `500 internal` with no detail.
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
  const known = err instanceof FrostmintError ? err : frameworkRefusal(err);
  if (known) {
    request.log.info({ code: known.code, status: known.status }, 'request refused');
    if (known instanceof TooManyRequestsError)
      void reply.header('retry-after', known.retryAfterSeconds);
    // 503s (no quorum, store full) are transient: tell clients when to try again.
    else if (known.status === 503) void reply.header('retry-after', 1);
    void reply.status(known.status).send(known.toJSON());
    return;
  }
  request.log.error({ err }, 'unexpected error');
  const internal = new FrostmintError('internal', 'internal error; see the coordinator log');
  void reply.status(internal.status).send(internal.toJSON());
}

/** The framework's own 4xx refusal as a typed error, or undefined for anything else. */
function frameworkRefusal(err: FastifyError | Error): FrostmintError | undefined {
  const status = (err as FastifyError).statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  const code = FRAMEWORK_CODES[status] ?? 'invalid_request';
  const what = code === 'invalid_request' ? 'malformed request' : code.replaceAll('_', ' ');
  // The framework's messages may quote the request (a whole URL): keep them short.
  const detail = err.message.length > 200 ? `${err.message.slice(0, 200)}…` : err.message;
  return new FrostmintError(code, `${what}: ${detail}`, { cause: err });
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
      const refusal = new FrostmintError(
        'method_not_allowed',
        `${request.method} is not allowed here; use ${allowed.join(' or ')}`,
      );
      void reply.status(refusal.status).header('allow', allowed.join(', ')).send(refusal.toJSON());
      return;
    }
    const refusal = new FrostmintError('not_found', `no route ${request.method} ${path}`);
    void reply.status(refusal.status).send(refusal.toJSON());
  };
}
