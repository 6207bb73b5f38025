import type { z } from 'zod';
import { CoordinatorAnswerError, CoordinatorError, CoordinatorUnreachableError } from './errors.ts';

/** One call: method, path (with query), optional JSON or raw body and bearer credential. */
export interface CallOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /** A JSON value (serialized here) or raw bytes already encoded as JSON. */
  readonly body?: unknown;
  /** `Authorization: Bearer <bearer>` (RFC 6750 §2.1). */
  readonly bearer?: string;
  /** `DPoP: <proof>` (RFC 9449 §4.1): the minted token is bound to the proof's key. */
  readonly dpop?: string;
  /** Milliseconds before the call is abandoned (`coordinator_unreachable`). */
  readonly timeoutMs?: number;
}

/** A successful answer: the status (200, 201, 202) and the JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Sends one JSON call to the coordinator at `base`: `accept: application/json`, redirects
 * refused (a credential never follows one), a time limit. A non-2xx answer becomes a
 * `CoordinatorError` with the server's `{error, message}`; no answer becomes
 * `CoordinatorUnreachableError`; a body that is not JSON becomes `CoordinatorAnswerError`.
 *
 * @example
 * ```ts
 * const { status, body } = await call('https://mint.example', { method: 'GET', path: '/v1/approvals/pending' });
 * ```
 */
export async function call(
  base: string,
  options: CallOptions,
  fetchImpl: typeof fetch = fetch,
): Promise<Answer> {
  const url = new URL(options.path, base);
  const raw = options.body instanceof Uint8Array;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.dpop !== undefined) headers.dpop = options.dpop;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: options.method,
      headers,
      ...(options.body === undefined
        ? {}
        : { body: raw ? (options.body as Uint8Array) : JSON.stringify(options.body) }),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (cause) {
    throw new CoordinatorUnreachableError(
      `${options.method} ${url.origin}${url.pathname} failed (${reason(cause)}): check the coordinator URL and the network, then retry`,
      { cause },
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CoordinatorAnswerError(
      `${options.method} ${url.pathname} answered HTTP ${response.status} without JSON`,
      response.status,
    );
  }
  if (!response.ok) {
    const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
    throw new CoordinatorError(
      typeof error === 'string' ? error : `http_${response.status}`,
      typeof message === 'string' ? message : `the coordinator answered HTTP ${response.status}`,
      response.status,
    );
  }
  return { status: response.status, body };
}

/**
 * Checks an answer against its wire schema; a mismatch is `coordinator_answer_invalid`.
 *
 * @example
 * ```ts
 * const minted = parseAnswer(MintedTokenSchema, answer, 'mint answer');
 * ```
 */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  answer: Answer,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new CoordinatorAnswerError(
      `the coordinator's ${what} is malformed${at}: ${issue?.message ?? 'unexpected shape'}`,
      answer.status,
    );
  }
  return parsed.data;
}

function reason(cause: unknown): string {
  const err = cause as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(cause);
}
