import type { MintedToken } from './exchange.ts';

export const OUTPUT_FORMATS = ['token', 'json', 'env'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Renders a minted token for stdout: `token` (the JWT alone, for `$(…)`), `json` (the
 * coordinator's answer), or `env` (`FROSTMINT_TOKEN=…` lines for `$GITHUB_ENV` or
 * `source`).
 *
 * @example
 * ```ts
 * process.stdout.write(renderToken(minted, 'env'));
 * ```
 */
export function renderToken(minted: MintedToken, format: OutputFormat): string {
  switch (format) {
    case 'token':
      return `${minted.token}\n`;
    case 'json':
      return `${JSON.stringify(minted)}\n`;
    case 'env':
      return [
        `FROSTMINT_TOKEN=${minted.token}`,
        `FROSTMINT_TOKEN_EXPIRES_AT=${minted.expires_at}`,
        `FROSTMINT_TOKEN_JTI=${minted.jti}`,
        '',
      ].join('\n');
  }
}
