import { FrostmintVerifyError } from '../errors.ts';

/** A JWKS document larger than this is refused: real ones are a few hundred bytes. */
const MAX_JWKS_BYTES = 256 * 1024;

/** How to reach the issuer's JWKS endpoint. */
export interface JwksFetchOptions {
  /** The `fetch` to use (a proxy-aware or instrumented one); the global `fetch` by default. */
  readonly fetch: typeof fetch;
  /** Give up after this many milliseconds. */
  readonly timeout: number;
}

/**
 * GETs a JWKS document and parses it as JSON. Redirects are refused (they could downgrade
 * to plain HTTP). An unreachable endpoint, a timeout or a non-2xx answer reject with
 * `jwks_unavailable`; an oversized or non-JSON body with `jwks_invalid`.
 *
 * @example
 * ```ts
 * const document = await fetchJwks(new URL('https://mint.example/.well-known/jwks.json'), {
 *   fetch,
 *   timeout: 5_000,
 * });
 * ```
 */
export async function fetchJwks(url: URL, options: JwksFetchOptions): Promise<unknown> {
  const { fetch: get, timeout } = options;
  let body: string;
  try {
    const response = await get(url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeout),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new FrostmintVerifyError('jwks_unavailable', `GET ${url} answered ${response.status}`);
    }
    body = await response.text();
  } catch (cause) {
    if (cause instanceof FrostmintVerifyError) throw cause;
    throw new FrostmintVerifyError('jwks_unavailable', `GET ${url} failed: ${describe(cause)}`, {
      cause,
    });
  }
  if (body.length > MAX_JWKS_BYTES) {
    throw new FrostmintVerifyError(
      'jwks_invalid',
      `the JWKS at ${url} exceeds ${MAX_JWKS_BYTES} bytes`,
    );
  }
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new FrostmintVerifyError('jwks_invalid', `the JWKS at ${url} is not JSON`, { cause });
  }
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const detail = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${detail}`;
}
