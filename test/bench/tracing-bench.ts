import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { inSpan } from '@frostmint/core';
import { type RunningStack, startTestStack } from '../harness.ts';
import { runLoad } from './load.ts';
import { mintSender } from './mint-bench.ts';

/** Alternating rounds per stack: a busy shared machine slows both alike. */
const ROUNDS = 4;
const CLIENTS = 16;
const MINTS_PER_ROUND = CLIENTS * 25;

/**
 * An OTLP/HTTP receiver that takes every export and keeps only the byte count: the bench
 * measures what tracing costs the coordinator and signers, not a backend sharing their two
 * cores (the tracing test runs against a real Jaeger).
 */
async function startOtlpSink(): Promise<{ url: string; bytes: () => number; server: Server }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    server,
  };
}

/** Starts a stack whose daemons see `env` (they inherit this process's environment). */
async function stackWith(env: Record<string, string>): Promise<RunningStack> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await startTestStack();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux x86-64). */
const CLOCK_TICKS = 100;

/**
 * CPU milliseconds (user + system) the stack's daemons have used so far, from Linux's
 * /proc/<pid>/stat: unlike throughput, this does not move with what else runs on the box.
 */
async function stackCpuMs(stack: RunningStack): Promise<number> {
  const pids = [stack.coordinator, ...stack.signers.values()].map((d) => d.child.pid!);
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * What tracing costs a mint, same run: two full stacks side by side, one with tracing off
 * (the default) and one exporting every span (OTLP/HTTP, parent-based always-on sampling)
 * to a local receiver, measured in alternating rounds at 16 clients (`mint_rps_untraced`,
 * `mint_rps_traced`, medians, and their ratio) and by the CPU time the four daemons spend
 * per mint (`mint_cpu_ms_*`, from /proc: steady on a machine other work shares). And what the disabled helpers cost: `inSpan` with tracing
 * off, per call, times the spans of one mint.
 */
export async function benchTracing(): Promise<Record<string, number>> {
  const sink = await startOtlpSink();
  const stacks: RunningStack[] = [];
  try {
    const plain = await stackWith({});
    stacks.push(plain);
    // Default batching (every 5 s or 512 spans), as a deployment would run it.
    const traced = await stackWith({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
    stacks.push(traced);
    const sends = {
      plain: mintSender(plain.coordinatorUrl, plain.layout.bearer),
      traced: mintSender(traced.coordinatorUrl, traced.layout.bearer),
    };
    for (const send of Object.values(sends)) await runLoad(send, { concurrency: 4, total: 40 });
    const rps: Record<'plain' | 'traced', number[]> = { plain: [], traced: [] };
    const cpuMs = { plain: 0, traced: 0 };
    const mints = { plain: 0, traced: 0 };
    const stackOf = { plain, traced };
    const failures = { plain: 0, traced: 0 };
    const exportedBefore = sink.bytes();
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so neither always gets the quieter moment.
      const order =
        round % 2 === 0 ? (['plain', 'traced'] as const) : (['traced', 'plain'] as const);
      for (const which of order) {
        const cpuBefore = await stackCpuMs(stackOf[which]);
        const r = await runLoad(sends[which], {
          concurrency: CLIENTS,
          total: MINTS_PER_ROUND,
          maxMs: 30_000,
        });
        cpuMs[which] += (await stackCpuMs(stackOf[which])) - cpuBefore;
        mints[which] += r.requests;
        rps[which].push(r.rps);
        failures[which] += r.failures;
      }
    }
    // Let the last batch of spans go out (default delay 5 s) before counting what was exported.
    await new Promise((r) => setTimeout(r, 6_000));
    const plainRps = median(rps.plain);
    const tracedRps = median(rps.traced);
    return {
      mint_rps_untraced: plainRps,
      mint_rps_traced: tracedRps,
      mint_traced_vs_untraced: tracedRps / plainRps,
      mint_cpu_ms_untraced: cpuMs.plain / mints.plain,
      mint_cpu_ms_traced: cpuMs.traced / mints.traced,
      mint_tracing_cpu_cost: cpuMs.traced / mints.traced / (cpuMs.plain / mints.plain) - 1,
      mint_failures_untraced: failures.plain,
      mint_failures_traced: failures.traced,
      traced_export_bytes_per_mint: (sink.bytes() - exportedBefore) / mints.traced,
      tracing_disabled_ns_per_span: await disabledSpanCost(),
    };
  } finally {
    await Promise.all(stacks.map((s) => s.dispose()));
    sink.server.close();
  }
}

/** Nanoseconds `inSpan` adds around a call when tracing is off (this process never starts it). */
async function disabledSpanCost(): Promise<number> {
  const n = 200_000;
  const work = () => Promise.resolve(1);
  const time = async (fn: () => Promise<number>) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / n;
  };
  await time(() => inSpan('x', work)); // warm-up
  const bare = await time(work);
  const wrapped = await time(() => inSpan('x', work));
  return Math.max(0, wrapped - bare);
}

// `npx tsx --conditions=frostmint-source test/bench/tracing-bench.ts`: this part alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchTracing())) {
    console.log(`${k}: ${Number.isInteger(v) ? v : v.toFixed(3)}`);
  }
}
