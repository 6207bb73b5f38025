import { CoordinatorClient } from '@frostmint/client';
import {
  type ConventionOptions,
  type OutputFormat,
  usageError,
  withConvention,
} from '@frostmint/client/cli-kit';
import type { Command } from 'commander';
import { openBrowser } from './browser.ts';

/** Options every tap command shares (`--wait` and `--coordinator` from the convention). */
export interface TapOptions extends ConventionOptions {
  user?: string;
  browser: boolean;
}

/** Progress goes to stderr; stdout carries only the result. */
export const progress = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Adds `--coordinator`, `--user`, `--no-browser`, `--wait` (formerly `--timeout`) and
 * `--format text|json|env` (default `defaultFormat`).
 *
 * @example
 * ```ts
 * withTapOptions(new Command('mint'));
 * ```
 */
export function withTapOptions(command: Command, defaultFormat: OutputFormat = 'text'): Command {
  return withConvention(command, {
    coordinator: 'required',
    format: { default: defaultFormat },
    wait: {
      what: 'the tap',
      defaultSeconds: 300,
      maxSeconds: 3600,
      deprecatedFlags: ['--timeout'],
    },
  })
    .option('--user <id>', 'your user id, e.g. alice@example.com (default: $FROSTMINT_USER)')
    .option('--no-browser', 'do not open a browser; only print the URL to open');
}

/**
 * The coordinator client and the user, from options or environment, or a usage failure.
 *
 * @example
 * ```ts
 * const { client, user } = tapTarget(options);
 * ```
 */
export function tapTarget(options: TapOptions): { client: CoordinatorClient; user: string } {
  const user = options.user ?? process.env.FROSTMINT_USER;
  if (!user) throw usageError('no user: pass --user <id> or set FROSTMINT_USER');
  return { client: new CoordinatorClient({ baseUrl: options.coordinator! }), user };
}

/** Opens the tap page (or another page, e.g. the IdP's sign-in), or prints it for a headless box. */
export function presentTapUrl(
  url: string,
  options: TapOptions,
  purpose = 'with your passkey or security key',
): void {
  if (options.browser && openBrowser(url)) {
    progress(`Opened your browser. If nothing appears, open: ${url}`);
  } else {
    progress(`Open this URL in a browser ${purpose}:\n  ${url}`);
  }
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
