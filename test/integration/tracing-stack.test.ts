import { randomBytes } from 'node:crypto';
import { SignRequest } from '@frostmint/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningStack, rogueClient, startTestStack } from '../harness.ts';
import { type Jaeger, type JaegerSpan, type JaegerTrace, startJaeger } from '../support/jaeger.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };
const DENIED = { scope: ['deploy:prod'], audience: 'billing-api', ttl: 600 };
const SIGNER_SERVICE = 'frostmint.signer.v1.SignerService';

/** The environment every daemon of the stack starts with: tracing on, exported quickly. */
const TRACING_ENV = { OTEL_BSP_SCHEDULE_DELAY: '100' };

/** `POST /v1/mint` with the dev bearer and extra headers; the answer and its request id. */
async function mintWith(stack: RunningStack, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${stack.layout.bearer}`,
      ...headers,
    },
    body: JSON.stringify(body),
  }).catch((err: unknown) => {
    throw new Error(`mint failed: ${String(err)}\n${stack.coordinator.output()}`);
  });
  const json = (await res.json()) as { token?: string; jti?: string; error?: string };
  return { status: res.status, body: json, requestId: res.headers.get('x-request-id') };
}

/** A trace made readable: spans by id, their service, parent and children. */
class Tree {
  readonly byId: Map<string, JaegerSpan>;
  constructor(readonly trace: JaegerTrace) {
    this.byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  }
  service(span: JaegerSpan): string {
    return this.trace.processes[span.processID]!.serviceName;
  }
  parent(span: JaegerSpan): JaegerSpan | undefined {
    const ref = span.references.find((r) => r.refType === 'CHILD_OF');
    return ref && this.byId.get(ref.spanID);
  }
  children(span: JaegerSpan, name?: string): JaegerSpan[] {
    return this.trace.spans.filter(
      (s) => this.parent(s) === span && (name === undefined || s.operationName === name),
    );
  }
  named(name: string): JaegerSpan[] {
    return this.trace.spans.filter((s) => s.operationName === name);
  }
  tag(span: JaegerSpan, key: string): unknown {
    return span.tags.find((t) => t.key === key)?.value;
  }
}

/** Polls Jaeger until `complete` holds for the one trace of `jti`'s mint (spans arrive per process). */
async function mintTrace(
  jaeger: Jaeger,
  jti: string,
  complete: (tree: Tree) => boolean,
): Promise<Tree> {
  const deadline = Date.now() + 30_000;
  let last: JaegerTrace[] = [];
  for (;;) {
    last = await jaeger.traces('frostmint-coordinator', { 'frostmint.jti': jti });
    if (last.length === 1 && complete(new Tree(last[0]!))) return new Tree(last[0]!);
    if (Date.now() > deadline) {
      throw new Error(
        `no complete trace for ${jti} within 30 s: ${JSON.stringify(last).slice(0, 4000)}\n${jaeger.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every signature share of the mint reached Jaeger with the signer's own spans under it. */
function hasSignerSpans(tree: Tree): boolean {
  const servers = tree
    .named(`${SIGNER_SERVICE}/Sign`)
    .filter((s) => tree.service(s) === 'frostmint-signer');
  return (
    servers.length >= 2 &&
    servers.every((s) => tree.children(s, 'signer.vault').length === 1) &&
    (tree.named('frost.round_one').length === 0 ||
      tree.named(`${SIGNER_SERVICE}/Commit`).some((s) => tree.service(s) === 'frostmint-signer'))
  );
}

/** Polls `probe` (every 100 ms, up to 10 s) until it returns something. */
async function eventually<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not seen within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The JSON log lines of a daemon's output. */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('one trace per mint across coordinator and signers (real Jaeger, OTLP/HTTP)', () => {
  let jaeger: Jaeger;
  let stack: RunningStack;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    // No skip: a missing Jaeger fails here, naming scripts/install-test-deps.sh.
    jaeger = await startJaeger();
    // The daemons inherit this process's environment (see spawnDaemon).
    const env = { ...TRACING_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    try {
      stack = await startTestStack();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 180_000);
  afterAll(async () => {
    await stack?.dispose();
    await jaeger?.stop();
  });

  it('nests HTTP → mint steps → rounds → signer RPCs → the signer’s checks, policy and vault', async () => {
    // A requester cannot choose the trace its mint joins: its traceparent is ignored.
    const clientTrace = randomBytes(16).toString('hex');
    const minted = await mintWith(stack, DEMO, {
      traceparent: `00-${clientTrace}-${randomBytes(8).toString('hex')}-01`,
    });
    expect(minted.status).toBe(200);
    const jti = minted.body.jti!;
    const tree = await mintTrace(jaeger, jti, hasSignerSpans);

    const [http, ...otherRoots] = tree.trace.spans.filter((s) => !tree.parent(s));
    expect(otherRoots).toEqual([]);
    expect(http!.operationName).toBe('POST /v1/mint');
    expect(http!.references).toEqual([]);
    expect(tree.service(http!)).toBe('frostmint-coordinator');
    expect(tree.tag(http!, 'span.kind')).toBe('server');
    expect(tree.tag(http!, 'http.response.status_code')).toBe(200);
    expect(tree.trace.traceID).not.toBe(clientTrace);
    expect(await jaeger.trace(clientTrace)).toBeUndefined();

    for (const step of ['mint.authenticate', 'mint.authorize', 'mint.sign']) {
      expect(tree.children(http!, step), step).toHaveLength(1);
    }
    const [sign] = tree.children(http!, 'mint.sign');
    expect(tree.children(sign!, 'mint.record')).toHaveLength(1);
    const roundOne = tree.children(sign!, 'frost.round_one');
    const roundTwo = tree.children(sign!, 'frost.round_two');
    // With preprocessed commitments (the default) a mint is round two only; round one runs
    // when the coordinator holds no commitment of a signer (just after start, say).
    expect(roundTwo.length).toBeGreaterThanOrEqual(1);
    expect(roundOne.length).toBeLessThanOrEqual(roundTwo.length);

    // Round one asks the signers for commitments, round two for shares: one CLIENT span per
    // RPC, parent of the signer's SERVER span (the traceparent crossed gRPC metadata).
    const commits = roundOne.flatMap((r) => tree.children(r, `${SIGNER_SERVICE}/Commit`));
    const signs = roundTwo.flatMap((r) => tree.children(r, `${SIGNER_SERVICE}/Sign`));
    expect(commits.length).toBeGreaterThanOrEqual(roundOne.length === 0 ? 0 : 2);
    expect(signs.length).toBeGreaterThanOrEqual(2);
    const signersSeen = new Set<unknown>();
    for (const client of [...commits, ...signs]) {
      expect(tree.service(client)).toBe('frostmint-coordinator');
      expect(tree.tag(client, 'span.kind')).toBe('client');
      expect(tree.tag(client, 'rpc.system')).toBe('grpc');
      expect([1, 2, 3]).toContain(tree.tag(client, 'frostmint.signer.id'));
    }
    for (const client of signs) {
      const [server, ...more] = tree.children(client);
      expect(more).toEqual([]);
      expect(server!.operationName).toBe(`${SIGNER_SERVICE}/Sign`);
      expect(tree.service(server!)).toBe('frostmint-signer');
      expect(tree.tag(server!, 'span.kind')).toBe('server');
      signersSeen.add(tree.trace.processes[server!.processID]);
      const steps = tree.children(server!).map((s) => s.operationName);
      expect(steps.sort()).toEqual(['signer.checks', 'signer.policy', 'signer.vault']);
    }
    // Two different signer processes co-signed, both in this one trace.
    expect(signersSeen.size).toBeGreaterThanOrEqual(2);
    const commitServers = commits.flatMap((c) => tree.children(c, `${SIGNER_SERVICE}/Commit`));
    expect(commitServers.length).toBeGreaterThanOrEqual(roundOne.length === 0 ? 0 : 2);
    for (const server of commitServers)
      expect(tree.children(server).map((s) => s.operationName)).toEqual(['signer.vault']);

    // Spans carry ids and codes, never credentials or the token.
    const raw = JSON.stringify(tree.trace);
    expect(raw).not.toContain(stack.layout.bearer);
    expect(raw).not.toContain(minted.body.token!);
    expect(raw).not.toContain(minted.body.token!.split('.')[2]!);
  });

  it('logs the mint and the denial with request_id, trace_id and jti on coordinator and signers', async () => {
    // The request id is the coordinator's own: a client cannot pick it to pollute the logs.
    const minted = await mintWith(stack, DEMO, { 'x-request-id': 'chosen-by-the-client' });
    expect(minted.status).toBe(200);
    const jti = minted.body.jti!;
    const tree = await mintTrace(jaeger, jti, hasSignerSpans);
    const traceId = tree.trace.traceID;
    expect(minted.requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(stack.coordinator.output()).not.toContain('chosen-by-the-client');

    const coordinator = logLines(stack.coordinator.output());
    const line = (msg: string) => coordinator.find((l) => l.msg === msg && l.jti === jti);
    for (const msg of ['policy decision', 'token minted', 'request completed']) {
      expect(line(msg), msg).toMatchObject({
        request_id: minted.requestId,
        trace_id: traceId,
        jti,
      });
    }
    const signerLines = [...stack.signers.values()]
      .flatMap((s) => logLines(s.output()))
      .filter((l) => l.msg === 'signature share issued' && l.jti === jti);
    expect(signerLines.length).toBeGreaterThanOrEqual(2);
    for (const l of signerLines) expect(l).toMatchObject({ trace_id: traceId, request_id: jti });

    const denied = await mintWith(stack, DENIED);
    expect(denied.status).toBe(403);
    // The daemon's output reaches this process through a pipe, after the answer.
    const deniedLines = await eventually(() => {
      const lines = logLines(stack.coordinator.output()).filter(
        (l) => l.request_id === denied.requestId,
      );
      return lines.some((l) => l.msg === 'request completed') ? lines : undefined;
    });
    const [deniedLine] = deniedLines.filter((l) => l.msg === 'mint denied');
    expect(deniedLine).toMatchObject({ request_id: denied.requestId });
    expect(deniedLine!.jti).toMatch(/^[\w-]{22}$/);
    expect(deniedLine!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(deniedLines.find((l) => l.msg === 'request refused')).toMatchObject({
      code: 'policy_denied',
      jti: deniedLine!.jti,
      trace_id: deniedLine!.trace_id,
    });
    // A signer's refusal line names the call it refuses (a caller without trace context:
    // no trace id, and no span).
    const rogue = rogueClient(stack, 1);
    try {
      await expect(
        rogue.call(
          'sign',
          SignRequest.fromPartial({ requestId: 'rogue-request', message: Buffer.from('x') }),
        ),
      ).rejects.toMatchObject({ code: expect.any(String) });
    } finally {
      rogue.close();
    }
    const refused = await eventually(() =>
      logLines(stack.signers.get(1)!.output()).find(
        (l) => l.msg === 'signer refused' && l.request_id === 'rogue-request',
      ),
    );
    expect(refused.trace_id).toBeUndefined();

    // The denial's trace holds the refused authorization, failed with the stable code.
    const deniedTree = await mintTrace(
      jaeger,
      deniedLine!.jti as string,
      (t) => t.named('mint.authorize').length === 1,
    );
    expect(deniedTree.trace.traceID).toBe(deniedLine!.trace_id);
    const [authorize] = deniedTree.named('mint.authorize');
    expect(deniedTree.tag(authorize!, 'error.type')).toBe('policy_denied');
    expect(deniedTree.named('mint.sign')).toEqual([]);
  });
});
