import { randomUUID } from 'node:crypto';
import {
  bindCorrelation,
  type Correlation,
  failSpanWith,
  runInSpan,
  startSpan,
  withCorrelation,
} from '@frostmint/core';
import { type Span, SpanKind } from '@opentelemetry/api';
import { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';

/** Probes and scrapes: correlated in the logs, but no trace each (they come every few seconds). */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

interface RequestTrace {
  readonly correlation: Correlation;
  span?: Span;
}

/**
 * The Fastify options that give every request a random id (never taken from the client),
 * logged as `request_id` on the request's lines.
 *
 * @example
 * ```ts
 * const app = Fastify({ ...requestIdOptions(), loggerInstance: log });
 * ```
 */
export function requestIdOptions() {
  return {
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
  };
}

/**
 * Correlates and traces every request of `app` (call it before registering routes): the
 * answer carries `x-request-id`; every line logged while it is served — by `request.log`
 * or by the base logger inside the route handler — carries `request_id`, and `jti` and
 * `trace_id` once known (see `correlationMixin`); with tracing on, the request is a SERVER
 * span `METHOD /route` (a new trace: a client's `traceparent` is not trusted, the API
 * faces the requesters) that is current while the handler runs, so the mint's spans are
 * its children.
 *
 * @example
 * ```ts
 * const app = Fastify({ ...requestIdOptions(), loggerInstance: log });
 * traceRequests(app);
 * ```
 */
export function traceRequests(app: FastifyInstance): void {
  const traces = new WeakMap<FastifyRequest, RequestTrace>();
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const state: RequestTrace = { correlation: { request_id: request.id } };
    const route = request.routeOptions.url;
    if (route !== undefined && !UNTRACED.has(route)) {
      state.span = startSpan(`${request.method} ${route}`, {
        kind: SpanKind.SERVER,
        root: true,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      });
      if (state.span) state.correlation.trace_id = state.span.spanContext().traceId;
    }
    bindCorrelation(request.log, state.correlation);
    traces.set(request, state);
  });
  // The handler runs after the body was read (in the socket's async context): it is
  // wrapped so that it, and everything it awaits, runs in the request's context.
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function traced(this: unknown, request, reply) {
      const state = traces.get(request);
      if (!state) return handler.call(this as FastifyInstance, request, reply);
      const run = () => handler.call(this as FastifyInstance, request, reply);
      const { span } = state;
      return withCorrelation(state.correlation, span ? () => runInSpan(span, run) : run);
    };
  });
  const end = (request: FastifyRequest, statusCode: number | undefined) => {
    const span = traces.get(request)?.span;
    if (!span) return;
    traces.delete(request);
    if (statusCode === undefined) failSpanWith(span, 'aborted');
    else {
      span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) failSpanWith(span, String(statusCode));
    }
    span.end();
  };
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode));
  app.addHook('onRequestAbort', async (request) => end(request, undefined));
}
