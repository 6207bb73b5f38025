import { AsyncLocalStorage } from 'node:async_hooks';

/** What ties a log line to one request: the API request, the trace, the token. */
export interface Correlation {
  /** The coordinator's id of the HTTP request (`x-request-id`), or the signer's RPC `requestId`. */
  request_id?: string;
  /** The W3C trace id, when tracing is on. */
  trace_id?: string;
  /** The token being minted, once its `jti` exists. */
  jti?: string;
}

const current = new AsyncLocalStorage<Correlation>();
/** Request-scoped child loggers (they carry `request_id` in their bindings already). */
const bound = new WeakMap<object, Correlation>();

/**
 * Runs `fn` with `fields` as the correlation of every line logged inside it (and in what it
 * awaits), by any logger built with {@link correlationMixin}.
 *
 * @example
 * ```ts
 * return withCorrelation({ request_id: req.requestId }, () => handler(req));
 * ```
 */
export function withCorrelation<T>(fields: Correlation, fn: () => T): T {
  return current.run(fields, fn);
}

/**
 * Adds fields (the `jti`, once chosen) to the current correlation; nothing outside one.
 *
 * @example
 * ```ts
 * correlate({ jti });
 * ```
 */
export function correlate(fields: Correlation): void {
  const store = current.getStore();
  if (store) Object.assign(store, fields);
}

/**
 * Ties a request-scoped child logger (Fastify's `request.log`, whose bindings hold the
 * `request_id`) to its request's correlation, so its lines get the `jti` and `trace_id`
 * too — also the ones logged outside the request's async context (the error handler).
 *
 * @example
 * ```ts
 * bindCorrelation(request.log, correlation);
 * ```
 */
export function bindCorrelation(logger: object, fields: Correlation): void {
  bound.set(logger, fields);
}

/**
 * The pino `mixin` that writes the correlation into every line: `request_id`, `trace_id`
 * and `jti` of the request being served (fields the line sets itself win).
 *
 * @example
 * ```ts
 * const log = pino({ name: 'coordinator', mixin: correlationMixin });
 * ```
 */
export function correlationMixin(_line: object, _level: number, logger?: object): Correlation {
  const request = logger === undefined ? undefined : bound.get(logger);
  if (request) return pick(request, false);
  const store = current.getStore();
  return store ? pick(store, true) : {};
}

function pick(store: Correlation, withRequestId: boolean): Correlation {
  const out: Correlation = {};
  if (withRequestId && store.request_id !== undefined) out.request_id = store.request_id;
  if (store.trace_id !== undefined) out.trace_id = store.trace_id;
  if (store.jti !== undefined) out.jti = store.jti;
  return out;
}
