import { z } from 'zod';

/** `tracing` in a daemon's config file: where to send spans (OTLP over HTTP). */
export const TracingConfigSchema = z
  .object({
    /**
     * Base URL of an OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger, Tempo…), e.g.
     * `http://127.0.0.1:4318`; spans go to `<endpoint>/v1/traces`. Tracing is off without it.
     */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** `service.name` of the spans (default `frostmint-coordinator` / `frostmint-signer`). */
    serviceName: z.string().min(1).max(128).optional(),
  })
  .strict();
export type TracingConfig = z.infer<typeof TracingConfigSchema>;

/** Where and as whom a daemon exports its spans (see {@link resolveTracing}). */
export interface TracingSettings {
  /** The OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  readonly url: string;
  readonly serviceName: string;
  /** More resource attributes (`service.instance.id`, `service.version`…). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** What a daemon is called when neither the environment nor its config names it. */
export interface TracingDefaults {
  readonly serviceName: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Whether and where a daemon traces, from the standard OpenTelemetry environment variables
 * (which win, like `FROSTMINT_LOG_LEVEL` over `logLevel`) and its config's `tracing`:
 * `OTEL_SDK_DISABLED=true` turns it off; `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the traces
 * URL as is, `OTEL_EXPORTER_OTLP_ENDPOINT` (or `tracing.endpoint`) a base URL that gets
 * `/v1/traces` (OTLP exporter specification, "Endpoint URLs for OTLP/HTTP");
 * `OTEL_SERVICE_NAME` names the service. Undefined — no tracing, no cost — when no endpoint
 * is set. Only OTLP/HTTP with protobuf is spoken: another `OTEL_EXPORTER_OTLP_PROTOCOL`
 * stops the daemon at start rather than exporting nowhere.
 *
 * @example
 * ```ts
 * const settings = resolveTracing(config.tracing, { serviceName: 'frostmint-coordinator', attributes: {} });
 * const tracing = settings && startTracing(settings);
 * ```
 */
export function resolveTracing(
  configured: TracingConfig | undefined,
  defaults: TracingDefaults,
  env: NodeJS.ProcessEnv = process.env,
): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const base = set('OTEL_EXPORTER_OTLP_ENDPOINT') ?? configured?.endpoint;
  const url = set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (base && signalUrl(base));
  if (!url) return undefined;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = set(name);
    if (protocol !== undefined && protocol !== 'http/protobuf') {
      throw new Error(`${name}=${protocol}: frostmint exports spans with http/protobuf only`);
    }
  }
  if (!/^https?:$/.test(parseUrl(url).protocol)) {
    throw new Error(`the OTLP traces endpoint ${url} is not an http(s) URL`);
  }
  return {
    url,
    serviceName: set('OTEL_SERVICE_NAME') ?? configured?.serviceName ?? defaults.serviceName,
    attributes: defaults.attributes,
  };
}

/** `<base>/v1/traces`, with exactly one slash between them. */
function signalUrl(base: string): string {
  parseUrl(base);
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new Error(`the OTLP traces endpoint ${url} is not a URL`);
  }
}
