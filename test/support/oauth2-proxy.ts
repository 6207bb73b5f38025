import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The pinned oauth2-proxy that scripts/install-test-deps.sh installs. */
export const OAUTH2_PROXY_VERSION = 'v7.15.6';

/**
 * Path of the `oauth2-proxy` binary (`$GOPATH/bin`, else `PATH`); throws, naming the install
 * script, when it is missing: the sidecar test must fail loudly, never skip.
 *
 * @example
 * ```ts
 * const binary = oauth2ProxyBinary();
 * ```
 */
export function oauth2ProxyBinary(): string {
  const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
  const candidates = [join(gopath, 'bin', 'oauth2-proxy'), 'oauth2-proxy'];
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `oauth2-proxy ${OAUTH2_PROXY_VERSION} not found (${candidates.join(', ')}): run scripts/install-test-deps.sh`,
  );
}

/** An unmodified upstream: a plain node HTTP server that records what reaches it. */
export interface Upstream {
  readonly url: string;
  readonly seen: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * Starts an upstream with no frostmint code at all: it answers every request with 200 and
 * `upstream saw <path>`, and remembers the request.
 *
 * @example
 * ```ts
 * const upstream = await startUpstream();
 * upstream.seen.length; // requests that got through the proxy
 * ```
 */
export async function startUpstream(): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`upstream saw ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A running oauth2-proxy. */
export interface OAuth2Proxy {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs oauth2-proxy as a bearer-token sidecar in front of `upstream`: JWTs from `issuer`
 * (OIDC discovery at `<issuer>/.well-known/openid-configuration`) for `audience` pass
 * (`--skip-jwt-bearer-tokens`), anything else is refused. No login flow is used; the client
 * id/secret are placeholders oauth2-proxy insists on.
 *
 * @example
 * ```ts
 * const proxy = await startOAuth2Proxy({ issuer, audience: 'deploy-api', upstream: upstream.url });
 * await fetch(proxy.url, { headers: { authorization: `Bearer ${token}` } });
 * ```
 */
export async function startOAuth2Proxy(options: {
  issuer: string;
  audience: string;
  upstream: string;
}): Promise<OAuth2Proxy> {
  const binary = oauth2ProxyBinary();
  const port = await freePort();
  const args = [
    `--http-address=127.0.0.1:${port}`,
    `--upstream=${options.upstream}/`,
    `--skip-jwt-bearer-tokens=true`,
    `--extra-jwt-issuers=${options.issuer}=${options.audience}`,
    `--email-domain=*`,
    `--cookie-secret=${randomBytes(16).toString('hex')}`,
    '--client-id=frostmint-sidecar-unused',
    '--client-secret=frostmint-sidecar-unused',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  await waitForPing(url, child, () => output);
  return {
    url,
    output: () => output,
    stop: () => stop(child),
  };
}

async function waitForPing(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`oauth2-proxy exited: ${output()}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`oauth2-proxy did not answer /ping within 60 s: ${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
