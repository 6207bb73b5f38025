import {
  DevBearerAuthenticator,
  type RunningCoordinator,
  startCoordinator,
} from '@frostmint/coordinator';
import { startPostgres, type TestPostgres } from '@frostmint/test-support/postgres';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../harness.ts';
import { api, completeMint, enrollSoft, prepareMint } from '../support/webauthn-flow.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

describe('two coordinators sharing one PostgreSQL serve the same engineers', () => {
  let stack: Stack;
  let postgres: TestPostgres;
  let a: Stack;
  let b: Stack;
  const running: RunningCoordinator[] = [];
  let alice: SoftAuthenticator;

  beforeAll(async () => {
    stack = await startTestStack();
    postgres = await startPostgres();
    const url = await postgres.createDatabase();
    const start = async () => {
      const coordinator = await startCoordinator({
        config: {
          ...stack.layout.coordinator,
          listen: '127.0.0.1:0',
          storage: { backend: 'postgres', url, maxConnections: 5 },
          abuse: {
            prepareLimit: 6,
            prepareWindowSeconds: 3600,
            maxFailures: 2,
            failureWindowSeconds: 3600,
            lockoutSeconds: 3600,
          },
        },
        log: pino({ level: 'silent' }),
        authenticator: new DevBearerAuthenticator(stack.layout.bearer),
      });
      running.push(coordinator);
      await coordinator.pool.refresh();
      return { ...stack, coordinatorUrl: coordinator.url } as Stack;
    };
    [a, b] = [await start(), await start()];
    alice = (await enrollSoft(a, 'alice@example.com')).auth;
  });
  afterAll(async () => {
    for (const c of running) await c.close();
    await postgres?.stop();
    await stack?.dispose();
  });

  const tap = (challenge: string, opts = {}) =>
    SoftAuthenticator.toJson(alice.assert(Buffer.from(challenge, 'base64url'), opts));

  it('prepares on one coordinator and completes on the other; the replay is refused by the first', async () => {
    const prepared = (await prepareMint(a, { user: 'alice@example.com' })).body;
    const assertion = tap(prepared.public_key.challenge);
    const done = await completeMint(b, prepared.request_id, assertion);
    expect(done.status).toBe(200);
    expect(done.body.token?.startsWith(prepared.signing_input)).toBe(true);
    const replay = await completeMint(a, prepared.request_id, assertion);
    expect(replay.body.error).toBe('request_not_pending');
    expect((await api(a, 'GET', `/v1/mint/requests/${prepared.request_id}`)).body.status).toBe(
      'minted',
    );
  });

  it('locks an identity out after failed taps on either coordinator, with a 429 naming the rule', async () => {
    const r1 = (await prepareMint(a, { user: 'alice@example.com' })).body;
    const bad = tap(r1.public_key.challenge, { origin: 'https://evil.example' });
    expect((await completeMint(a, r1.request_id, bad)).body.error).toBe('assertion_invalid');
    const second = await completeMint(b, r1.request_id, bad);
    expect(second.status).toBe(429);
    expect(second.body.error).toBe('locked_out');
    expect(second.body.message).toContain('locked_out:assertion_failures');
    const good = await completeMint(a, r1.request_id, tap(r1.public_key.challenge));
    expect(good.status).toBe(429);
    expect(good.body.error).toBe('locked_out');
  });

  it('rate-limits preparing across coordinators, with retry-after', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${(i % 2 ? a : b).coordinatorUrl}/v1/mint/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: 'alice@example.com',
          scope: ['deploy:canary'],
          audience: 'deploy-api',
        }),
      });
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await last!.json()) as { error: string; message: string };
    expect(body.error).toBe('rate_limited');
    expect(body.message).toContain('rate_limited:prepare');
  });
});
