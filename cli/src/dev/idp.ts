import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OidcConfigInput } from '@frostmint/core';
import { exportJWK, generateKeyPair } from 'jose';
import type { Configuration, default as Provider } from 'oidc-provider';

/** The OIDC client id of `frostmint enroll` (a public, native client: PKCE, loopback redirect). */
export const DEV_IDP_CLIENT_ID = 'frostmint-cli';
/** The demo users of the local IdP: the engineers of the shipped policy/data.json. */
export const DEV_IDP_USERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];

export interface DevIdpOptions {
  /** Loopback port; default: chosen by the OS. */
  readonly port?: number;
  /** ID token lifetime, seconds (default 300). */
  readonly idTokenTtlSeconds?: number;
}

/** A running local OpenID Provider (`oidc-provider`) for the demo and the tests. */
export interface DevIdp {
  /** The issuer (`iss`), `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Demo users (email = login) sharing one per-run password. */
  readonly users: readonly string[];
  /** The demo password, fresh every run (loopback only; printed by `frostmint dev`). */
  readonly password: string;
  stop(): Promise<void>;
}

/**
 * Starts a local OpenID Provider on loopback for the demo: `oidc-provider` (OpenID
 * Certified) with one public native client, `frostmint-cli` (authorization code + PKCE
 * S256, RFC 7636; any loopback redirect port, RFC 8252 §7.3), RS256 ID tokens carrying
 * `email` and `email_verified`, and a minimal login page built on its Interaction API
 * (username = the demo user's email, the per-run password). Consent is implied for this
 * first-party client. Local demo and tests only.
 *
 * @example
 * ```ts
 * const idp = await startDevIdp();
 * // signers trust { issuer: idp.issuer, audience: idp.clientId }
 * await idp.stop();
 * ```
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const password = randomBytes(12).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: randomBytes(8).toString('base64url'),
    alg: 'RS256',
    use: 'sig',
  };
  const configuration: Configuration = {
    clients: [
      {
        client_id: DEV_IDP_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    jwks: { keys: [signingKey] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'email'],
    // Short-lived everything: a sign-in lasts minutes, and nothing outlives the demo.
    ttl: {
      IdToken: options.idTokenTtlSeconds ?? 300,
      AccessToken: 300,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    // The ID token itself carries email (the enrollment policy maps it), not only userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, id) =>
      DEV_IDP_USERS.includes(id)
        ? { accountId: id, claims: () => ({ sub: id, email: id, email_verified: true }) }
        : undefined,
  };
  // Loaded only when the IdP starts: `frostmint dev --help` stays light, and oidc-provider's
  // notice about Node 20 is printed only by a run that uses it.
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(issuer, configuration);
  const oidc = provider.callback();
  server.on('request', (req, res) => {
    const login = /^\/interaction\/([\w-]+)(\/login)?$/.exec(
      new URL(req.url ?? '/', issuer).pathname,
    );
    if (!login) {
      oidc(req, res);
      return;
    }
    loginInteraction(provider, req, res, login[2] !== undefined, password).catch(() => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('this sign-in expired or is invalid: start again from your terminal');
    });
  });
  return {
    issuer,
    clientId: DEV_IDP_CLIENT_ID,
    users: DEV_IDP_USERS,
    password,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The login page (GET) and its form post (POST …/login), through the Interaction API. */
async function loginInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  submitted: boolean,
  password: string,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (!submitted || req.method !== 'POST') {
    sendLoginPage(res, details.uid, '');
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const login = form.get('login') ?? '';
  const given = Buffer.from(form.get('password') ?? '');
  const ok =
    DEV_IDP_USERS.includes(login) &&
    given.length === password.length &&
    timingSafeEqual(given, Buffer.from(password));
  if (!ok) {
    sendLoginPage(res, details.uid, 'Unknown user or wrong password.');
    return;
  }
  const clientId = String(details.params.client_id);
  const grant = new provider.Grant({ accountId: login, clientId });
  grant.addOIDCScope('openid email');
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: login }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

function sendLoginPage(res: ServerResponse, uid: string, error: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>frostmint dev IdP: sign in</title></head>
<body><h1>frostmint dev IdP</h1><p>Local demo identity provider. Sign in as a demo user.</p>
${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Email <input name="login" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>`;
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) throw new Error('form too large');
  }
  return body;
}

/**
 * The `enrollmentIdp` configuration that trusts a local IdP (signers and coordinator):
 * discovery at its issuer, `aud` = its client id, RS256, ID tokens at most 10 min old.
 *
 * @example
 * ```ts
 * await prepareDevLayout(dir, { enrollmentIdp: devIdpTrust(idp) });
 * ```
 */
export function devIdpTrust(
  idp: Pick<DevIdp, 'issuer' | 'clientId'>,
  clockSkewSeconds = 30,
): OidcConfigInput {
  return {
    issuers: [
      {
        issuer: idp.issuer,
        audience: idp.clientId,
        algorithms: ['RS256'],
        clockSkewSeconds,
        maxTokenAgeSeconds: 600,
      },
    ],
  };
}
