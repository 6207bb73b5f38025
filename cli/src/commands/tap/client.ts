import { errorFromAnswer, FrostmintError, UnavailableError } from '@frostmint/core';

/**
 * A small JSON client for the coordinator's API: errors come back as `FrostmintError`s
 * with the coordinator's code and message; a network failure is `coordinator_unreachable`.
 *
 * @example
 * ```ts
 * const api = new CoordinatorClient('https://frostmint.example');
 * const prepared = await api.request<Prepared>('POST', '/v1/mint/requests', body);
 * ```
 */
export class CoordinatorClient {
  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw new UnavailableError(
        'coordinator_unreachable',
        `cannot reach the coordinator at ${this.base}: check --coordinator / FROSTMINT_COORDINATOR and your network`,
        { cause },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new FrostmintError(
        'bad_answer',
        `the coordinator answered HTTP ${res.status} without JSON`,
      );
    }
    if (!res.ok) {
      throw errorFromAnswer(res.status, json);
    }
    return json as T;
  }
}
