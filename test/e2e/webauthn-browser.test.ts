import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier } from '@frostmint/sdk';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../harness.ts';
import { runCli } from '../support/cli-process.ts';
import { api, prepareMint } from '../support/webauthn-flow.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

/** A browser profile with a CDP virtual authenticator (CTAP2, internal, UV). */
async function withAuthenticator(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page };
}

/** Opens a tap page, taps, and returns the status line once the page has an answer. */
async function tap(page: Page, url: string): Promise<string> {
  await page.goto(url);
  await page.locator('#tap:not([disabled])').click();
  const status = page.locator('#status');
  await expect
    .poll(async () => (await status.textContent()) ?? '', { timeout: 30_000 })
    .toMatch(/^(Approved|Enrolled|Renewed|Refused|Failed|Tapped|Passkey registered)/);
  return (await status.textContent())!;
}

/** Another localhost origin serving the same coordinator (a phishing-style proxy). */
function proxyTo(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Browser-side script of a page that ignores `allowCredentials` and taps with whatever
 * discoverable passkey the profile holds, then posts the assertion for request `id`.
 */
function foreignTap(id: string): string {
  return `(async (id) => {
    const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    const o = (await (await fetch('/v1/mint/requests/' + id)).json()).public_key;
    const cred = await navigator.credentials.get({
      publicKey: { challenge: dec(o.challenge), rpId: o.rpId, userVerification: 'required' },
    });
    const r = cred.response;
    const res = await fetch('/v1/mint/requests/' + id + '/assertion', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: cred.id, rawId: enc(cred.rawId), type: 'public-key', response: {
        clientDataJSON: enc(r.clientDataJSON), authenticatorData: enc(r.authenticatorData),
        signature: enc(r.signature) } }),
    });
    return { status: res.status, body: await res.json() };
  })(${JSON.stringify(id)})`;
}

describe('engineers enroll and mint with a passkey tap in real headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let alice: { context: BrowserContext; page: Page };
  let coordinator: string;
  let captured: { url: string; body: unknown } | undefined;
  beforeAll(async () => {
    stack = await startTestStack();
    coordinator = stack.layout.coordinator.webauthn!.origins[0]!;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    alice = await withAuthenticator(browser);
    alice.page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith('/assertion'))
        captured = { url: req.url(), body: req.postDataJSON() };
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  const enroll = async (page: Page, user: string) => {
    const cli = runCli(
      ['enroll', '--coordinator', coordinator, '--user', user, '--role', 'developer'],
      {
        FROSTMINT_OPERATOR_TOKEN: stack.layout.bearer,
      },
    );
    expect(await tap(page, await cli.url)).toMatch(/^Passkey registered/);
    // The CLI's sign-in (code + PKCE, nonce = the certificate request digest) at the
    // stack's real OpenID Provider: its login page, then the redirect to the CLI's loopback.
    const signIn = new URL(await cli.signInUrl);
    expect(signIn.origin).toBe(stack.idp.issuer);
    expect(signIn.searchParams.get('code_challenge_method')).toBe('S256');
    expect(signIn.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.goto(signIn.href);
    await page.getByLabel('Email').fill(user);
    await page.getByLabel('Password').fill(stack.idp.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(async () => (await page.textContent('body')) ?? '', { timeout: 30_000 })
      .toContain('Signed in');
    const { code, stdout, stderr } = await cli.done;
    expect(code, stderr).toBe(0);
    return JSON.parse(stdout) as { status: string };
  };

  it('refuses a wrong password at the IdP login page', async () => {
    const cli = runCli(
      ['enroll', '--coordinator', coordinator, '--user', 'alice@example.com', '--timeout', '60'],
      { FROSTMINT_OPERATOR_TOKEN: stack.layout.bearer },
    );
    try {
      const { page, context } = await withAuthenticator(browser);
      expect(await tap(page, await cli.url)).toMatch(/^Passkey registered/);
      await page.goto(await cli.signInUrl);
      await page.getByLabel('Email').fill('alice@example.com');
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(async () => (await page.getByRole('alert').textContent()) ?? '')
        .toMatch(/wrong password/);
      await context.close();
    } finally {
      cli.child.kill();
    }
  });

  it('enrolls a passkey through `frostmint enroll`, the tap page and the IdP sign-in', async () => {
    expect((await enroll(alice.page, 'alice@example.com')).status).toBe('enrolled');
  });

  it('mints through `frostmint mint`; the SDK verifies the token', async () => {
    const cli = runCli([
      'mint',
      '--coordinator',
      coordinator,
      '--user',
      'alice@example.com',
      '--scope',
      'deploy:canary',
      '--aud',
      'deploy-api',
      '--ttl',
      '300',
      '--justification',
      'e2e',
      '--format',
      'json',
    ]);
    expect(await tap(alice.page, await cli.url)).toMatch(/^Approved/);
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    const { token } = JSON.parse(stdout) as { token: string };
    const verifier = createVerifier({
      issuer: stack.coordinatorUrl,
      audience: 'deploy-api',
      jwksUri: `${stack.coordinatorUrl}/.well-known/jwks.json`,
    });
    const verified = await verifier.verify(token, { requiredScopes: ['deploy:canary'] });
    expect(verified.claims.sub).toBe('alice@example.com');
    expect(verified.claims.exp - verified.claims.iat).toBe(300);
  });

  it('renews the enrollment through `frostmint renew` and the tap page', async () => {
    const cli = runCli(['renew', '--coordinator', coordinator, '--user', 'alice@example.com']);
    expect(await tap(alice.page, await cli.url)).toMatch(/^Renewed/);
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'renewed', user: 'alice@example.com' });
  });

  it('refuses a replayed assertion, on its own request and on another', async () => {
    expect(captured).toBeDefined();
    const { url, body } = captured!;
    const again = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe('request_not_pending');
    const other = await prepareMint(stack, { user: 'alice@example.com' });
    const moved = await api(
      stack,
      'POST',
      `/v1/mint/requests/${other.body.request_id}/assertion`,
      body,
    );
    expect(moved.status).toBe(403);
    expect(moved.body.error).toBe('assertion_invalid');
  });

  it('refuses a tap made on another origin', async () => {
    const proxy = await proxyTo(stack.coordinatorUrl);
    try {
      const { port } = proxy.address() as AddressInfo;
      const { body } = await prepareMint(stack, { user: 'alice@example.com' });
      const status = await tap(alice.page, `http://localhost:${port}/tap/mint/${body.request_id}`);
      expect(status).toMatch(/^Refused/);
      expect(status).toContain('assertion_invalid');
      expect(status).toContain('origin');
    } finally {
      proxy.close();
    }
  });

  it("a second user's credential cannot mint for the first", async () => {
    const bob = await withAuthenticator(browser);
    try {
      await enroll(bob.page, 'bob@example.com');
      const { body } = await prepareMint(stack, { user: 'alice@example.com' });
      await bob.page.goto(`${coordinator}/tap/mint/${body.request_id}`);
      // Bob's page ignores allowCredentials and taps with his own discoverable passkey.
      const answer = (await bob.page.evaluate(foreignTap(body.request_id))) as {
        status: number;
        body: { error: string };
      };
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('credential_not_enrolled');
    } finally {
      await bob.context.close();
    }
  });
});
