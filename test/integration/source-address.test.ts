/**
 * Source-address rules through real processes: a coordinator (trusting one reverse proxy,
 * 127.0.0.2) and three signers enforcing a policy with two address-restricted scopes —
 * `deploy:onsite` (loopback listed) and `deploy:corp` (203.0.113.0/24 and 2001:db8::/32,
 * loopback not listed). Requests come over real sockets from 127.0.0.1 (a direct client) or
 * 127.0.0.2 (the proxy, forwarding `X-Forwarded-For`). The signers never see an address:
 * they co-sign on identity evidence alone, so a mint the coordinator allows is minted.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_POLICY } from '@frostmint/cli';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningStack, startTestStack } from '../harness.ts';
import { enrollSoft } from '../support/webauthn-flow.ts';

const DIRECT = '127.0.0.1';
const PROXY = '127.0.0.2';
const ONSITE = { scope: ['deploy:onsite'], audience: 'deploy-api' };
const CORP = { scope: ['deploy:corp'], audience: 'deploy-api' };
const ALICE = 'alice@example.com';

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: string; message?: string; token?: string };
}

describe('source_cidrs through the real coordinator and signers', () => {
  let stack: RunningStack;
  let dir: string;
  let alice: SoftAuthenticator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-source-'));
    const data = JSON.parse(await readFile(DEMO_POLICY.data, 'utf8'));
    data.config.scopes['deploy:onsite'] = {
      max_ttl: 600,
      audiences: ['deploy-api'],
      source_cidrs: ['127.0.0.0/8', '::1/128'],
    };
    data.config.scopes['deploy:corp'] = {
      max_ttl: 600,
      audiences: ['deploy-api'],
      source_cidrs: ['203.0.113.0/24', '2001:db8::/32'],
    };
    data.config.roles.developer.scopes.push('deploy:onsite', 'deploy:corp');
    const dataPath = join(dir, 'data.json');
    await writeFile(dataPath, JSON.stringify(data));
    stack = await startTestStack({
      policy: { wasm: DEMO_POLICY.wasm, data: dataPath },
      trustedProxies: [`${PROXY}/32`],
    });
    alice = (await enrollSoft(stack, ALICE)).auth;
  });
  afterAll(async () => {
    await stack?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** POST JSON to the coordinator over a socket bound to `from` (any 127/8 address is local). */
  const post = (from: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const url = new URL(path, stack.coordinatorUrl);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const mint = (from: string, body: unknown, forwardedFor?: string) =>
    post(from, '/v1/mint', body, {
      authorization: `Bearer ${stack.layout.bearer}`,
      ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
    });
  const denied = (answer: Answer, scope: string) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    expect(answer.body).toEqual({
      error: 'policy_denied',
      message: `policy denies this mint: source_address_not_allowed:${scope}`,
    });
  };

  it('mints a scope whose ranges list loopback from loopback, and denies one whose ranges do not', async () => {
    const allowed = await mint(DIRECT, ONSITE);
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    const claims = decodeJwt(allowed.body.token!);
    expect(claims.scope).toBe('deploy:onsite');
    // Signed by a quorum of signers that never saw the address.
    expect((claims.frostmint as { signers: number[] }).signers).toHaveLength(2);
    denied(await mint(DIRECT, CORP), 'deploy:corp');
    const metrics = await (await fetch(`${stack.coordinatorUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /frostmint_policy_denials_total\{reason="source_address_not_allowed"\} [1-9]/,
    );
  });

  it('ignores X-Forwarded-For from a client that is not a trusted proxy (spoofing)', async () => {
    denied(await mint(DIRECT, CORP, '203.0.113.7'), 'deploy:corp');
    denied(await mint(DIRECT, CORP, '198.51.100.1, 203.0.113.7'), 'deploy:corp');
  });

  it('behind the trusted proxy, the forwarded client address decides', async () => {
    const corp = await mint(PROXY, CORP, '203.0.113.7');
    expect(corp.status, JSON.stringify(corp.body)).toBe(200);
    // The client's own prepended guess is never read: the proxy appended the real address.
    expect((await mint(PROXY, CORP, '127.0.0.1, 203.0.113.7')).status).toBe(200);
    // A forwarded client outside loopback may not mint the loopback-only scope via the proxy.
    denied(await mint(PROXY, ONSITE, '203.0.113.7'), 'deploy:onsite');
    denied(await mint(PROXY, CORP, '198.51.100.1'), 'deploy:corp');
    // The proxy's own requests (no header) come from loopback.
    expect((await mint(PROXY, ONSITE)).status).toBe(200);
  });

  it('refuses a malformed header from the trusted proxy (forwarded_for_invalid)', async () => {
    const refused = await mint(PROXY, ONSITE, '203.0.113.7:51000');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('forwarded_for_invalid');
  });

  it('two-step WebAuthn: the tap is checked against the address the request was prepared from', async () => {
    const tap = (challenge: string) =>
      SoftAuthenticator.toJson(alice.assert(Buffer.from(challenge, 'base64url')));
    const prepare = (from: string, body: object, forwardedFor?: string) =>
      post(
        from,
        '/v1/mint/requests',
        { ...body, user: ALICE },
        forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      );
    const complete = (from: string, id: string, assertion: unknown, forwardedFor?: string) =>
      post(
        from,
        `/v1/mint/requests/${id}/assertion`,
        assertion,
        forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      );
    denied(await prepare(DIRECT, CORP), 'deploy:corp');
    // Prepared from loopback, tapped from a phone elsewhere (through the proxy): minted.
    const onsite = await prepare(DIRECT, ONSITE);
    expect(onsite.status, JSON.stringify(onsite.body)).toBe(201);
    const { request_id, public_key } = onsite.body as {
      request_id: string;
      public_key: { challenge: string };
    };
    const done = await complete(PROXY, request_id, tap(public_key.challenge), '203.0.113.7');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodeJwt(done.body.token as string).scope).toBe('deploy:onsite');
    // Prepared from the corporate range (via the proxy), tapped on loopback: minted.
    const corp = await prepare(PROXY, CORP, '203.0.113.7');
    expect(corp.status, JSON.stringify(corp.body)).toBe(201);
    const prepared = corp.body as { request_id: string; public_key: { challenge: string } };
    const tapped = await complete(DIRECT, prepared.request_id, tap(prepared.public_key.challenge));
    expect(tapped.status, JSON.stringify(tapped.body)).toBe(200);
  });
});
