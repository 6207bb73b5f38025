import { describe, expect, it } from 'vitest';
import { resolveTracing, TracingConfigSchema } from '../../src/trace/index.ts';

const DEFAULTS = {
  serviceName: 'frostmint-signer',
  attributes: { 'service.instance.id': 'signer-1' },
};

describe('resolveTracing: off by default, on by environment or config', () => {
  it('is off without an endpoint, and with OTEL_SDK_DISABLED', () => {
    expect(resolveTracing(undefined, DEFAULTS, {})).toBeUndefined();
    expect(
      resolveTracing({ endpoint: 'http://127.0.0.1:4318' }, DEFAULTS, {
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toBeUndefined();
  });

  it('appends /v1/traces to a base endpoint; the environment wins over the config', () => {
    expect(resolveTracing({ endpoint: 'http://collector:4318/' }, DEFAULTS, {})).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'frostmint-signer',
      attributes: { 'service.instance.id': 'signer-1' },
    });
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_SERVICE_NAME: 'signers-eu',
    };
    expect(
      resolveTracing({ endpoint: 'http://collector:4318', serviceName: 'x' }, DEFAULTS, env),
    ).toMatchObject({
      url: 'http://127.0.0.1:4318/v1/traces',
      serviceName: 'signers-eu',
    });
    // The per-signal variable is a full URL, taken as is.
    expect(
      resolveTracing(undefined, DEFAULTS, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces',
      })?.url,
    ).toBe('https://b/otlp/traces');
  });

  it('refuses at start what it cannot honour: another protocol, a non-http URL', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' };
    expect(() =>
      resolveTracing(undefined, DEFAULTS, { ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/http\/protobuf only/);
    expect(
      resolveTracing(undefined, DEFAULTS, { ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })
        ?.url,
    ).toBe('http://127.0.0.1:4317/v1/traces');
    expect(() =>
      resolveTracing(undefined, DEFAULTS, { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }),
    ).toThrow(/not a URL/);
    expect(() =>
      resolveTracing(undefined, DEFAULTS, {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'file:///tmp/spans',
      }),
    ).toThrow(/not an http\(s\) URL/);
  });

  it('validates the config section', () => {
    expect(TracingConfigSchema.safeParse({ endpoint: 'http://127.0.0.1:4318' }).success).toBe(true);
    expect(TracingConfigSchema.safeParse({ endpoint: 'ftp://x' }).success).toBe(false);
    expect(TracingConfigSchema.safeParse({ endpoint: 'http://x', sampler: 'all' }).success).toBe(
      false,
    );
  });
});
