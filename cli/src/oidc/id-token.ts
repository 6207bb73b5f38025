import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from '@frostmint/client/cli-kit';

/** Where `frostmint mint-ci` may take the CI job's ID token from, in this order. */
export interface IdTokenSource {
  /** A file holding the ID token (e.g. a Kubernetes projected service-account token). */
  readonly file?: string;
  /** The name of an environment variable holding it (GitLab `id_tokens:` puts it in one). */
  readonly envVar: string;
  /** The `aud` to request from GitHub Actions. */
  readonly audience: string;
}

/** Compact JWS: three base64url segments (what every OIDC issuer hands out). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Obtains the CI job's OIDC ID token: from `file` if given, else from the environment
 * variable `envVar` if set, else from GitHub Actions' token service
 * (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, with `&audience=`;
 * the workflow needs `permissions: id-token: write`). Throws `CliError` (exit 13, ID token
 * unavailable).
 *
 * @example
 * ```ts
 * const idToken = await obtainIdToken({ envVar: 'FROSTMINT_ID_TOKEN', audience: 'frostmint' }, process.env);
 * ```
 */
export async function obtainIdToken(
  source: IdTokenSource,
  env: NodeJS.ProcessEnv,
  get: typeof fetch = fetch,
): Promise<string> {
  if (source.file !== undefined) {
    const text = await readFile(source.file, 'utf8').catch((cause: unknown) => {
      throw new CliError(
        'id_token_unreadable',
        EXIT.idTokenUnavailable,
        `cannot read the ID token file ${source.file}: ${(cause as Error).message}`,
      );
    });
    return checked(text.trim(), `file ${source.file}`);
  }
  const fromEnv = env[source.envVar];
  if (fromEnv) return checked(fromEnv.trim(), `$${source.envVar}`);
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer)
    return checked(await fromGitHub(url, bearer, source.audience, get), 'GitHub Actions');
  throw new CliError(
    'id_token_missing',
    EXIT.idTokenUnavailable,
    `no ID token: pass --id-token-file, set $${source.envVar}, or run in GitHub Actions with "permissions: id-token: write"`,
  );
}

/** GitHub Actions' OIDC token request: GET `<url>&audience=<aud>`, answer `{"value": "<jwt>"}`. */
async function fromGitHub(
  url: string,
  bearer: string,
  audience: string,
  get: typeof fetch,
): Promise<string> {
  const target = new URL(url);
  target.searchParams.set('audience', audience);
  let response: Response;
  try {
    response = await get(target, {
      headers: { authorization: `bearer ${bearer}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new CliError(
      'id_token_request_failed',
      EXIT.idTokenUnavailable,
      `GitHub Actions ID token request failed: ${(cause as Error).message}`,
      { cause },
    );
  }
  const body = (await response.json().catch(() => null)) as { value?: unknown } | null;
  if (!response.ok || typeof body?.value !== 'string') {
    throw new CliError(
      'id_token_request_failed',
      EXIT.idTokenUnavailable,
      `GitHub Actions ID token request answered ${response.status} without a token`,
    );
  }
  return body.value;
}

function checked(token: string, where: string): string {
  if (!COMPACT_JWS.test(token)) {
    throw new CliError(
      'id_token_malformed',
      EXIT.idTokenUnavailable,
      `the ID token from ${where} is not a JWT`,
    );
  }
  return token;
}
