import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The pinned Jaeger (all-in-one, v2 binary) that scripts/install-test-deps.sh builds. */
export const JAEGER_VERSION = 'v1.75.0';

/**
 * Path of the pinned `jaeger` binary (`$GOPATH/bin`, else `PATH`); throws, naming the
 * install script, when it is missing or another version: the tracing test must fail
 * loudly, never skip.
 *
 * @example
 * ```ts
 * const binary = jaegerBinary();
 * ```
 */
export function jaegerBinary(): string {
  const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
  const candidates = [join(gopath, 'bin', 'jaeger'), 'jaeger'];
  for (const candidate of candidates) {
    try {
      const info = execFileSync('go', ['version', '-m', resolveOnPath(candidate)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      if (info.includes(`github.com/jaegertracing/jaeger\t${JAEGER_VERSION}`)) return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `jaeger ${JAEGER_VERSION} not found (${candidates.join(', ')}): run scripts/install-test-deps.sh`,
  );
}

function resolveOnPath(candidate: string): string {
  if (candidate.includes('/')) return candidate;
  return execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim();
}

/** A port free on loopback now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** One span as Jaeger's query API returns it. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; traceID: string; spanID: string }[];
  readonly processID: string;
  readonly tags: readonly { key: string; value: unknown }[];
}

/** One trace: its spans and the processes (services) that sent them. */
export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string }>>;
}

/** A running Jaeger with in-memory storage on loopback. */
export interface Jaeger {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly otlpEndpoint: string;
  /** Traces of `service` whose spans carry every tag of `tags` (Jaeger's `/api/traces`). */
  traces(service: string, tags?: Record<string, string>): Promise<JaegerTrace[]>;
  /** The whole trace `traceId`, or undefined when Jaeger has none. */
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the pinned Jaeger all-in-one: an OTLP/HTTP receiver and the query API on free
 * loopback ports, spans in memory, nothing else listening (no sampling, health or
 * self-metrics endpoints).
 *
 * @example
 * ```ts
 * const jaeger = await startJaeger();
 * // OTEL_EXPORTER_OTLP_ENDPOINT=jaeger.otlpEndpoint …
 * const [trace] = await jaeger.traces('frostmint-coordinator', { 'frostmint.jti': jti });
 * await jaeger.stop();
 * ```
 */
export async function startJaeger(): Promise<Jaeger> {
  const binary = jaegerBinary();
  const [otlp, queryHttp, queryGrpc] = [await freePort(), await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-jaeger-'));
  const config = join(dir, 'jaeger.yaml');
  await writeFile(
    config,
    `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${queryHttp}
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
  );
  const child: ChildProcess = spawn(binary, ['--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const query = `http://127.0.0.1:${queryHttp}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const api = async <T>(path: string): Promise<T | undefined> => {
    const res = await fetch(`${query}${path}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`jaeger ${path}: HTTP ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { data: T }).data;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`jaeger exited with code ${child.exitCode}:\n${lines.join('\n')}`);
    }
    // Ready when both the query API answers and the OTLP receiver takes connections.
    const ready = await Promise.all([
      fetch(`${query}/api/services`).then((r) => r.ok),
      fetch(`http://127.0.0.1:${otlp}/v1/traces`, { method: 'GET' }).then(() => true),
    ]).catch(() => [false]);
    if (ready.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jaeger did not become ready within 60 s:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    otlpEndpoint: `http://127.0.0.1:${otlp}`,
    traces: async (service, tags) => {
      const params = new URLSearchParams({ service, limit: '50', lookback: '1h' });
      if (tags) params.set('tags', JSON.stringify(tags));
      return (await api<JaegerTrace[]>(`/api/traces?${params}`)) ?? [];
    },
    trace: async (traceId) => (await api<JaegerTrace[]>(`/api/traces/${traceId}`))?.[0],
    output: () => lines.join('\n'),
    stop,
  };
}
