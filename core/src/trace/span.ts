import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { FrostmintError } from '../errors.ts';
import { activeTracer } from './provider.ts';

/** How a span is started: its kind (internal by default), attributes, and parent. */
export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Start a new trace, whatever the current context holds (untrusted callers' spans). */
  readonly root?: boolean;
}

/**
 * Runs `fn` in a child span of the current one named `name`: the span ends when `fn`
 * settles and carries the stable error code (`error.type`, status ERROR) when it throws —
 * never the error's message or stack. Without tracing, `fn` runs as is.
 *
 * @example
 * ```ts
 * const decision = await inSpan('mint.authorize', () => authorizer.authorize(requester, body, ctx));
 * ```
 */
export function inSpan<T>(
  name: string,
  fn: () => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, spanInit(options), async (span) => {
    try {
      return await fn();
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * {@link inSpan} for synchronous work (a policy evaluation).
 *
 * @example
 * ```ts
 * inSpanSync('signer.policy', () => enforcePolicy(holder, checked, requester, ctx));
 * ```
 */
export function inSpanSync<T>(name: string, fn: () => T, options: SpanOptions = {}): T {
  const tracer = activeTracer();
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, spanInit(options), (span) => {
    try {
      return fn();
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Starts a span that the caller ends (an HTTP request, from its first hook to its answer);
 * undefined without tracing. Run the work in it with {@link runInSpan}.
 *
 * @example
 * ```ts
 * const span = startSpan('POST /v1/mint', { kind: SpanKind.SERVER, root: true });
 * ```
 */
export function startSpan(name: string, options: SpanOptions = {}): Span | undefined {
  return activeTracer()?.startSpan(name, spanInit(options));
}

/**
 * Runs `fn` with `span` as the current span (its callees' spans are its children).
 *
 * @example
 * ```ts
 * return runInSpan(span, () => handler(request, reply));
 * ```
 */
export function runInSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/**
 * Adds attributes to the current span (none without tracing).
 *
 * @example
 * ```ts
 * spanAttributes({ 'frostmint.jti': jti });
 * ```
 */
export function spanAttributes(attributes: Attributes): void {
  if (activeTracer()) trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Marks `span` failed with the stable code of `err` (`internal` for an untyped error).
 *
 * @example
 * ```ts
 * failSpan(span, err);
 * ```
 */
export function failSpan(span: Span, err: unknown): void {
  failSpanWith(span, err instanceof FrostmintError ? err.code : 'internal');
}

/**
 * Marks `span` failed with `code` (a stable error code, or an HTTP status class).
 *
 * @example
 * ```ts
 * failSpanWith(span, 'policy_denied');
 * ```
 */
export function failSpanWith(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/**
 * The trace id of the current span when one is being recorded (undefined without tracing).
 *
 * @example
 * ```ts
 * const traceId = currentTraceId();
 * if (traceId) correlate({ trace_id: traceId });
 * ```
 */
export function currentTraceId(): string | undefined {
  if (!activeTracer()) return undefined;
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

function spanInit(options: SpanOptions) {
  return {
    kind: options.kind ?? SpanKind.INTERNAL,
    ...(options.attributes ? { attributes: options.attributes } : {}),
    ...(options.root ? { root: true } : {}),
  };
}
