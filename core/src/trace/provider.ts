import { type Tracer, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { StateLog, type StateLogSink } from '../log/state-log.ts';
import type { TracingSettings } from './config.ts';

/** The instrumentation scope of every frostmint span. */
const SCOPE = 'frostmint';

let tracer: Tracer | undefined;

/**
 * The tracer spans are started with, or undefined while tracing is off: every helper of
 * this module then runs the code it wraps directly, so a daemon without tracing pays
 * nothing for it.
 *
 * @example
 * ```ts
 * if (activeTracer()) span.setAttribute('frostmint.jti', jti);
 * ```
 */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** A running tracer provider; `shutdown` exports what is still queued. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Turns tracing on for this process: a Node tracer provider (AsyncLocalStorage context,
 * W3C `traceparent` propagation — W3C Trace Context §3) whose spans are batched and sent
 * with OTLP/HTTP protobuf to `settings.url`. The sampler follows `OTEL_TRACES_SAMPLER`
 * (default: parent-based, always on) and the batching `OTEL_BSP_*`. Failed exports are
 * logged on change, then every 5 min with the count (`StateLog`), never per span.
 *
 * @example
 * ```ts
 * const tracing = startTracing(settings, log);
 * // … on stop:
 * await tracing.shutdown();
 * ```
 */
export function startTracing(settings: TracingSettings, log: StateLogSink): Tracing {
  const exporter = new ObservedExporter(
    new OTLPTraceExporter({ url: settings.url }),
    new StateLog(log),
    settings.url,
  );
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      ...settings.attributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  tracer = provider.getTracer(SCOPE);
  return {
    shutdown: async () => {
      tracer = undefined;
      await provider.shutdown();
      trace.disable();
    },
  };
}

/** Passes spans on to `inner` and logs when exporting starts or stops failing. */
class ObservedExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly states: StateLog,
    private readonly url: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        this.states.report('export', 'ok', 'info', { endpoint: this.url }, 'trace export works');
      } else {
        this.states.report(
          'export',
          'failing',
          'warn',
          { endpoint: this.url, err: result.error?.message ?? 'unknown', spans: spans.length },
          'trace export failed; spans dropped',
        );
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
