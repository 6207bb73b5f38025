import { FrostmintError } from '@frostmint/core';
import { type Command, InvalidArgumentError } from 'commander';
import { openBrowser } from './browser.ts';
import { CliFailure, EXIT, exitCodeFor } from './exit-codes.ts';

/** Options every tap command shares. */
export interface TapOptions {
  coordinator?: string;
  user?: string;
  browser: boolean;
  timeout: number;
}

/** Progress goes to stderr; stdout carries only the result. */
export const progress = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Adds `--coordinator`, `--user`, `--no-browser` and `--timeout`.
 *
 * @example
 * ```ts
 * withTapOptions(new Command('mint'));
 * ```
 */
export function withTapOptions(command: Command): Command {
  return command
    .option('--coordinator <url>', 'coordinator base URL (default: $FROSTMINT_COORDINATOR)')
    .option('--user <id>', 'your user id, e.g. alice@example.com (default: $FROSTMINT_USER)')
    .option('--no-browser', 'do not open a browser; only print the URL to open')
    .option('--timeout <seconds>', 'how long to wait for the tap', positiveInt, 300)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));
}

/** The coordinator URL and user, from options or environment, or a usage failure. */
export function resolveTarget(options: TapOptions): { coordinator: string; user: string } {
  const coordinator = options.coordinator ?? process.env.FROSTMINT_COORDINATOR;
  const user = options.user ?? process.env.FROSTMINT_USER;
  if (!coordinator) {
    throw new CliFailure(
      EXIT.usage,
      'no coordinator: pass --coordinator <url> or set FROSTMINT_COORDINATOR',
    );
  }
  if (!user) throw new CliFailure(EXIT.usage, 'no user: pass --user <id> or set FROSTMINT_USER');
  return { coordinator, user };
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

/**
 * Runs a command body; a failure prints `frostmint: <code>: <what to do>` and sets the
 * documented exit code.
 *
 * @example
 * ```ts
 * .action((opts) => runTap(() => mint(opts)));
 * ```
 */
export async function runTap(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const message =
      err instanceof FrostmintError
        ? `${err.code}: ${err.message}`
        : err instanceof CliFailure
          ? err.message
          : `unexpected error: ${(err as Error).message}`;
    process.stderr.write(`frostmint: ${message}\n`);
    process.exitCode = exitCodeFor(err);
  }
}

/** Commander parser for positive integers. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
