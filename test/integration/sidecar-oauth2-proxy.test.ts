import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, type RunningStack, startTestStack } from '../harness.ts';
import {
  type OAuth2Proxy,
  startOAuth2Proxy,
  startUpstream,
  type Upstream,
} from '../support/oauth2-proxy.ts';

/**
 * Zero app code: a stock oauth2-proxy verifies frostmint tokens against the coordinator's
 * discovery document in front of an upstream that has no frostmint code (docs/sidecar.md).
 */
describe('oauth2-proxy as a frostmint sidecar (real stack, real oauth2-proxy)', () => {
  let stack: RunningStack;
  let upstream: Upstream;
  let proxy: OAuth2Proxy;

  beforeAll(async () => {
    stack = await startTestStack();
    upstream = await startUpstream();
    proxy = await startOAuth2Proxy({
      issuer: stack.coordinatorUrl,
      audience: 'deploy-api',
      upstream: upstream.url,
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await stack?.dispose();
  });

  const through = (token: string | undefined, path = '/deploy') =>
    fetch(`${proxy.url}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      redirect: 'manual',
    });

  /** Asserts the proxy refuses `token` and the upstream never sees the request. */
  async function expectRefused(token: string | undefined, path: string) {
    const before = upstream.seen.length;
    const answer = await through(token, path);
    expect([401, 403], `${path}: ${answer.status}\n${proxy.output().slice(-2000)}`).toContain(
      answer.status,
    );
    expect(await answer.text()).not.toContain('upstream saw');
    expect(upstream.seen.slice(before).map((r) => r.path)).not.toContain(path);
  }

  it('discovers what it needs from the coordinator: issuer = its URL, jwks_uri, EdDSA', async () => {
    const discovery = (await (
      await fetch(`${stack.coordinatorUrl}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: stack.coordinatorUrl,
      jwks_uri: `${stack.coordinatorUrl}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['EdDSA'],
    });
  });

  it('passes a good token to the unmodified upstream, with the subject as user', async () => {
    const { status, body } = await mint(stack, {
      scope: ['deploy:canary'],
      audience: 'deploy-api',
    });
    expect(status).toBe(200);
    const answer = await through(body.token, '/deploy/good');
    expect(answer.status, proxy.output().slice(-2000)).toBe(200);
    expect(await answer.text()).toBe('upstream saw /deploy/good');
    const seen = upstream.seen.find((r) => r.path === '/deploy/good')!;
    expect(seen.headers['x-forwarded-user']).toBe('dev@localhost');
  });

  it('refuses a token minted for another audience; it never reaches the upstream', async () => {
    const { status, body } = await mint(stack, { scope: ['read:logs'], audience: 'logs-api' });
    expect(status).toBe(200);
    await expectRefused(body.token, '/deploy/wrong-audience');
  });

  it('refuses an expired token; it never reaches the upstream', async () => {
    const { status, body } = await mint(stack, {
      scope: ['deploy:canary'],
      audience: 'deploy-api',
      ttl: 1,
    });
    expect(status).toBe(200);
    const wait = body.expires_at! * 1000 + 1_500 - Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    await expectRefused(body.token, '/deploy/expired');
  });

  it('refuses a tampered token and a request without one', async () => {
    const { body } = await mint(stack, { scope: ['deploy:canary'], audience: 'deploy-api' });
    const [h, p, s] = body.token!.split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    signature[5]! ^= 1;
    await expectRefused(`${h}.${p}.${signature.toString('base64url')}`, '/deploy/tampered');
    await expectRefused(undefined, '/deploy/anonymous');
  });
});
