import { type DevStack, loginForIdToken } from '@frostmint/cli';

/**
 * A headless browser for the local OpenID Provider's login page: follows the redirects of
 * an authorization URL with a cookie jar, submits the login form (`login`, `password`) and
 * finally calls the client's loopback redirect. Integration tests use it where the e2e uses
 * real Chromium.
 */
export async function headlessSignIn(url: string, login: string, password: string): Promise<void> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let next: { url: string; init?: RequestInit } | undefined = { url };
  for (let hops = 0; next && hops < 20; hops++) {
    const res: Response = await fetch(next.url, {
      ...next.init,
      redirect: 'manual',
      headers: { ...(next.init?.headers as Record<string, string>), cookie: cookie() },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = res.headers.get('location');
    const html = location ? '' : await res.text();
    if (location) {
      next = { url: new URL(location, next.url).href };
    } else if (html.includes('name="password"')) {
      if (html.includes('role="alert"')) throw new Error(`sign-in refused for ${login}`);
      const action = /action="([^"]+)"/.exec(html)![1]!;
      next = {
        url: new URL(action, next.url).href,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ login, password }).toString(),
        },
      };
    } else if (res.ok) {
      return;
    } else {
      throw new Error(`sign-in at ${next.url} answered ${res.status}: ${html.slice(0, 200)}`);
    }
  }
  throw new Error('sign-in did not finish');
}

/**
 * Signs `user` in to the stack's local OpenID Provider through the CLI's own code + PKCE
 * client and returns the ID token for `nonce`.
 */
export function idTokenFor(
  stack: Pick<DevStack, 'idp'>,
  user: string,
  nonce: string,
  idp = stack.idp,
): Promise<string> {
  return loginForIdToken({
    issuer: idp.issuer,
    clientId: idp.clientId,
    nonce,
    timeoutMs: 30_000,
    present: (url) => headlessSignIn(url, user, idp.password),
  });
}
