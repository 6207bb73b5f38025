import { InterceptingCall, type Interceptor, type Metadata, status } from '@grpc/grpc-js';
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { activeTracer } from './provider.ts';
import { failSpanWith, inSpan } from './span.ts';

/** gRPC metadata as a W3C Trace Context carrier (`traceparent`, `tracestate`). */
const SETTER: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};
const GETTER: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((v): v is string => typeof v === 'string');
    return values.length > 0 ? values : undefined;
  },
};

/** The trailer a frostmint peer names its refusal in (see `toServiceError`). */
const CODE_KEY = 'frostmint-code';

/**
 * Client interceptors for a gRPC client: each call made inside a trace gets a CLIENT span
 * (`frostmint.v1.SignerService/Sign`, OpenTelemetry RPC conventions) and carries its
 * `traceparent` in the call's metadata (W3C Trace Context §3.2), so the server's spans join
 * the trace. Calls made outside any trace (health polls) are left alone, and without
 * tracing there is no interceptor at all.
 *
 * @example
 * ```ts
 * new SignerServiceClient(address, credentials, { interceptors: traceInterceptors({ 'frostmint.signer.id': 1 }) });
 * ```
 */
export function traceInterceptors(attributes: Attributes = {}): Interceptor[] {
  const tracer = activeTracer();
  if (!tracer) return [];
  const interceptor: Interceptor = (options, nextCall) => {
    const parent = context.active();
    if (!trace.getSpan(parent)) return new InterceptingCall(nextCall(options));
    const { service, method } = rpcName(options.method_definition.path);
    const span = tracer.startSpan(
      `${service}/${method}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': service,
          'rpc.method': method,
          ...attributes,
        },
      },
      parent,
    );
    const withSpan = trace.setSpan(parent, span);
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        propagation.inject(withSpan, metadata, SETTER);
        // Only the status is intercepted: a listener without the other callbacks passes
        // them on unchanged (grpc-js fills them in).
        next(metadata, {
          onReceiveStatus(answer, nextStatus) {
            span.setAttribute('rpc.grpc.status_code', answer.code);
            if (answer.code !== status.OK) {
              const code = answer.metadata?.get(CODE_KEY)[0];
              failSpanWith(
                span,
                typeof code === 'string' ? code.slice(0, 64) : (status[answer.code] ?? 'unknown'),
              );
            }
            span.end();
            nextStatus(answer);
          },
        });
      },
    });
  };
  return [interceptor];
}

/**
 * Runs a server's handler of one call in a SERVER span whose parent is the caller's span,
 * read from the call's `traceparent` metadata. A call that carries no trace context gets no
 * span (health polls, a peer that does not trace); without tracing `fn` runs as is.
 *
 * @example
 * ```ts
 * return inCallerSpan(call.metadata, 'frostmint.v1.SignerService/Sign', () => daemon.sign(call.request));
 * ```
 */
export function inCallerSpan<T>(
  metadata: Metadata,
  name: string,
  fn: () => Promise<T>,
  attributes: Attributes = {},
): Promise<T> {
  if (!activeTracer()) return fn();
  const parent = propagation.extract(ROOT_CONTEXT, metadata, GETTER);
  if (!trace.getSpan(parent)) return fn();
  return context.with(parent, () =>
    inSpan(name, fn, {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'grpc', ...attributes },
    }),
  );
}

/** `/frostmint.v1.SignerService/Sign` → service and method. */
function rpcName(path: string): { service: string; method: string } {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  return { service, method };
}
