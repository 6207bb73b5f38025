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
 * `jwks_unavailable`; an oversized (reading stops at the cap) or non-JSON body with
 * `jwks_invalid`.
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
    body = await readCapped(response, url);
  } catch (cause) {
    if (cause instanceof FrostmintVerifyError) throw cause;
    throw new FrostmintVerifyError('jwks_unavailable', `GET ${url} failed: ${describe(cause)}`, {
      cause,
    });
  }
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new FrostmintVerifyError('jwks_invalid', `the JWKS at ${url} is not JSON`, { cause });
  }
}

/**
 * Reads the body as a stream and stops at {@link MAX_JWKS_BYTES}: a declared or actual
 * larger body is cancelled (the connection aborted) rather than buffered, so a hostile or
 * broken endpoint cannot make the verifier hold more than the cap in memory.
 */
async function readCapped(response: Response, url: URL): Promise<string> {
  const tooLarge = () =>
    new FrostmintVerifyError('jwks_invalid', `the JWKS at ${url} exceeds ${MAX_JWKS_BYTES} bytes`);
  if (Number(response.headers.get('content-length')) > MAX_JWKS_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_JWKS_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const detail = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${detail}`;
}
