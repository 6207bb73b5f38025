import { MINT_CI_EXIT, MintCiError } from './exit-codes.ts';

/** What to ask the coordinator for. */
export interface ExchangeRequest {
  /** Coordinator base URL, e.g. `https://mint.example`. */
  readonly coordinator: string;
  readonly idToken: string;
  readonly scopes: readonly string[];
  /** The minted token's audience (the service it is for), e.g. `deploy-api`. */
  readonly audience: string;
  readonly ttl?: number;
  readonly justification?: string;
  /** A DPoP proof (RFC 9449) for `POST /v1/mint`: the token is then bound to its key. */
  readonly dpop?: string;
}

/** The coordinator's answer to a successful mint. */
export interface MintedToken {
  readonly token: string;
  readonly token_type: 'Bearer' | 'DPoP';
  readonly expires_in: number;
  readonly expires_at: number;
  readonly jti: string;
}

/** The coordinator's 202 answer: the mint waits for guardian approvals. */
export interface PendingAnswer {
  readonly request_id: string;
  readonly request_secret: string;
  readonly required_approvals: number;
  readonly expires_at: number;
}

/**
 * The plain HTTP exchange: `POST <coordinator>/v1/mint` with `Authorization: Bearer
 * <ID token>` and `{scope, audience, ttl?, justification?}`. Maps the answer to
 * `MintCiError` exit codes: 401 → 4, 400/403 → 5, 5xx or no answer → 6.
 *
 * @example
 * ```ts
 * const minted = await exchangeIdToken({ coordinator, idToken, scopes: ['deploy:canary'], audience: 'deploy-api' });
 * ```
 */
export async function exchangeIdToken(
  request: ExchangeRequest,
  get: typeof fetch = fetch,
): Promise<MintedToken | PendingAnswer> {
  const url = new URL('/v1/mint', request.coordinator);
  const response = await callCoordinator(
    url,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${request.idToken}`,
        'content-type': 'application/json',
        ...(request.dpop === undefined ? {} : { dpop: request.dpop }),
      },
      body: JSON.stringify({
        scope: request.scopes,
        audience: request.audience,
        ...(request.ttl === undefined ? {} : { ttl: request.ttl }),
        ...(request.justification === undefined ? {} : { justification: request.justification }),
      }),
    },
    get,
  );
  return answerOf(response);
}

/**
 * One JSON call to the coordinator (no redirects, 60 s timeout); no answer at all is
 * `coordinator_unreachable` (exit 6).
 *
 * @example
 * ```ts
 * const response = await callCoordinator(url, { method: 'GET' });
 * ```
 */
export async function callCoordinator(
  url: URL,
  init: RequestInit & { headers: Record<string, string> },
  get: typeof fetch = fetch,
): Promise<Response> {
  try {
    return await get(url, {
      ...init,
      headers: { ...init.headers, accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(60_000),
    });
  } catch (cause) {
    throw new MintCiError(
      MINT_CI_EXIT.unavailable,
      'coordinator_unreachable',
      `${init.method ?? 'GET'} ${url.origin}${url.pathname} failed: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Reads a coordinator answer: the token (200), a pending request (202), or a `MintCiError`
 * with the exit code for the status.
 *
 * @example
 * ```ts
 * const answer = await answerOf(await fetch(url));
 * ```
 */
export async function answerOf(response: Response): Promise<MintedToken | PendingAnswer> {
  const body = (await response.json().catch(() => ({}))) as Partial<MintedToken> &
    Partial<PendingAnswer> & { error?: string; message?: string };
  if (response.status === 200 && typeof body.token === 'string') return body as MintedToken;
  if (response.status === 202 && typeof body.request_id === 'string') return body as PendingAnswer;
  const code = typeof body.error === 'string' ? body.error : `http_${response.status}`;
  const message = `${code}: ${typeof body.message === 'string' ? body.message : `the coordinator answered ${response.status}`}`;
  const exit =
    body.error === 'request_denied' || body.error === 'request_expired'
      ? MINT_CI_EXIT.notApproved
      : response.status === 401
        ? MINT_CI_EXIT.unauthenticated
        : response.status >= 500
          ? MINT_CI_EXIT.unavailable
          : response.status >= 400
            ? MINT_CI_EXIT.refused
            : MINT_CI_EXIT.internal;
  throw new MintCiError(exit, code, message);
}
