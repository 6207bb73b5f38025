import { CliError, EXIT } from '@frostmint/client/cli-kit';

/** Per-request deadline of the audit commands' reads, milliseconds. */
const TIMEOUT_MS = 10_000;

/**
 * GETs `url` and returns its body; 404 is `undefined` when `optional`, any other failure an
 * `audit_log_unreachable` error (exit 6).
 *
 * @example
 * ```ts
 * const note = await fetchText(new URL('checkpoint', logUrl));
 * ```
 */
export async function fetchBytes(url: URL, optional = false): Promise<Uint8Array | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw unreachable(url, (err as Error).message);
  }
  if (optional && response.status === 404) return undefined;
  if (!response.ok) throw unreachable(url, `HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * GETs `url` as UTF-8 text (see `fetchBytes`).
 *
 * @example
 * ```ts
 * const jwks = JSON.parse(await fetchText(new URL(jwksUrl)));
 * ```
 */
export async function fetchText(url: URL): Promise<string> {
  return Buffer.from((await fetchBytes(url))!).toString('utf8');
}

function unreachable(url: URL, why: string): CliError {
  return new CliError('audit_log_unreachable', EXIT.unavailable, `could not read ${url}: ${why}`);
}
