import { FrostmintError, TooManyRequestsError } from '@frostmint/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one place errors become HTTP answers: `{error, message}` with the error's status.
 * Typed errors keep their code; malformed JSON is `invalid_request`; anything unexpected is
 * logged with its stack and answered `500 internal` with no detail.
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
    void reply.status(status).send({ error: 'invalid_request', message: err.message });
    return;
  }
  request.log.error({ err }, 'unexpected error');
  void reply
    .status(500)
    .send({ error: 'internal', message: 'internal error; see the coordinator log' });
}
