import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError, EXIT } from '@frostmint/client/cli-kit';
import * as oauth from 'oauth4webapi';

export interface IdpLoginOptions {
  /** The IdP's issuer identifier (OIDC Discovery 1.0 §4). */
  readonly issuer: string;
  /** The CLI's OIDC client id (a public client: no secret). */
  readonly clientId: string;
  /** The `nonce` the ID token must carry (the enrollment's certificate request digest). */
  readonly nonce: string;
  /** Shows the authorization URL to the user (opens a browser, or prints it). */
  readonly present: (url: string) => void | Promise<void>;
  readonly timeoutMs: number;
}

/** Plain `http:` is allowed only for an IdP on loopback (the local demo and tests). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * Signs the user in to the IdP the way `gh auth login` does and returns the ID token: OIDC
 * authorization code flow (OIDC Core §3.1) with PKCE S256 (RFC 7636) for a native public
 * client, redirect to a one-shot loopback listener on 127.0.0.1 (RFC 8252 §7.3), `state`
 * checked (RFC 6749 §10.12) and the ID token's `iss`, `aud`, `exp` and `nonce` validated by
 * `oauth4webapi` (OIDC Core §3.1.3.7). Signers verify its signature against their own trust.
 *
 * @example
 * ```ts
 * const idToken = await loginForIdToken({ issuer, clientId: 'frostmint-cli', nonce,
 *   present: (url) => openBrowser(url), timeoutMs: 300_000 });
 * ```
 */
export async function loginForIdToken(options: IdpLoginOptions): Promise<string> {
  const issuer = new URL(options.issuer);
  const insecure = isLoopbackHttp(issuer) ? { [oauth.allowInsecureRequests]: true } : {};
  const as = await oauth
    .processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    )
    .catch((cause: unknown) => {
      throw new CliError(
        'idp_unavailable',
        EXIT.unavailable,
        `cannot discover the IdP ${issuer.href}: ${message(cause)}`,
      );
    });
  if (!as.authorization_endpoint) {
    throw new CliError(
      'idp_unavailable',
      EXIT.unavailable,
      `the IdP ${issuer.href} has no authorization endpoint`,
    );
  }
  const client: oauth.Client = { client_id: options.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const callback = await loopbackCallback(options.timeoutMs);
  try {
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: callback.redirectUri,
      response_type: 'code',
      scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce: options.nonce,
    }).toString();
    await options.present(url.href);
    const params = oauth.validateAuthResponse(as, client, await callback.result, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      callback.redirectUri,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: options.nonce,
      requireIdToken: true,
    });
    return tokens.id_token!;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      'sign_in_failed',
      EXIT.refused,
      `the sign-in at ${issuer.href} failed: ${message(err)}`,
    );
  } finally {
    callback.close();
  }
}

/** A listener on 127.0.0.1 (any free port) for exactly one `GET /callback`. */
async function loopbackCallback(timeoutMs: number) {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  let timer: NodeJS.Timeout | undefined;
  const result = new Promise<URL>((resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CliError(
            'sign_in_timeout',
            EXIT.timeout,
            `no sign-in within ${Math.round(timeoutMs / 1000)} s`,
          ),
        ),
      timeoutMs,
    );
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end('Signed in. You can close this tab and return to your terminal.');
      resolve(url);
    });
  });
  result.catch(() => {});
  return {
    redirectUri,
    result,
    close: () => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
