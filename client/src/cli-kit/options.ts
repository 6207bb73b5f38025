import { type Command, InvalidArgumentError, Option } from 'commander';
import { usageError } from './errors.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './output.ts';
import { warnDeprecated } from './warnings.ts';

/** Where every command takes the coordinator's URL from when `--coordinator` is not given. */
export const COORDINATOR_ENV = 'FROSTMINT_COORDINATOR';
/** Former names of {@link COORDINATOR_ENV}, still read (with a deprecation warning). */
export const DEPRECATED_COORDINATOR_ENVS: readonly string[] = ['FROSTMINT_URL'];

/** The shared options a command takes, and how. */
export interface ConventionSpec {
  /** `--coordinator <url>` (default `$FROSTMINT_COORDINATOR`); `required` fails without one. */
  readonly coordinator?: 'required' | 'optional';
  /** `--format text|json|env` (or a subset), for a command that prints a result. */
  readonly format?: { readonly formats?: readonly OutputFormat[]; readonly default?: OutputFormat };
  /** `--wait <seconds>`: how long the command waits for people (taps, approvals). */
  readonly wait?: {
    readonly what: string;
    readonly defaultSeconds: number;
    readonly maxSeconds: number;
    /** Former flags of this command for the same thing, e.g. `['--timeout']`. */
    readonly deprecatedFlags?: readonly string[];
  };
}

/** The options as a command's action reads them once the convention applied. */
export interface ConventionOptions {
  coordinator?: string;
  format?: OutputFormat;
  wait?: number;
}

/**
 * Adds the convention's options to `command` (`--coordinator`, `--format`, `--wait`, and
 * the deprecated spellings, hidden) and a pre-action step that resolves them: former
 * flags and environment variables are honoured with a one-line warning on stderr, and a
 * required coordinator that is missing is a usage error (exit 2). The action then reads
 * `coordinator`, `format` and `wait` only.
 *
 * @example
 * ```ts
 * withConvention(new Command('mint-ci'), { coordinator: 'required', format: {}, wait: { what: 'approvals', defaultSeconds: 900, maxSeconds: 3600 } });
 * ```
 */
export function withConvention(command: Command, spec: ConventionSpec): Command {
  const deprecated: { flag: string; use: string }[] = [];
  if (spec.coordinator) {
    command.addOption(
      new Option('--coordinator <url>', 'coordinator base URL, e.g. https://mint.example')
        .env(COORDINATOR_ENV)
        .argParser(parseUrl),
    );
  }
  if (spec.format) {
    const formats = spec.format.formats ?? OUTPUT_FORMATS;
    const fallback = spec.format.default ?? 'text';
    command.addOption(
      new Option('--format <format>', `output format: ${formats.join(', ')}`)
        .default(fallback)
        .argParser((value: string) => {
          // `token` was the former name of `text` for the token-printing commands.
          if (value === 'token' && formats.includes('text')) {
            deprecated.push({ flag: '--format token', use: '--format text' });
            return 'text';
          }
          if (!(formats as readonly string[]).includes(value)) {
            throw new InvalidArgumentError(`allowed: ${formats.join(', ')}`);
          }
          return value;
        }),
    );
    if (formats.includes('json')) {
      command.addOption(new Option('--json', 'deprecated: use --format json').hideHelp());
    }
  }
  if (spec.wait) {
    const parse = seconds(spec.wait.maxSeconds);
    command.addOption(
      new Option('--wait <seconds>', `how long to wait for ${spec.wait.what}`)
        .argParser(parse)
        .default(spec.wait.defaultSeconds),
    );
    for (const flag of spec.wait.deprecatedFlags ?? []) {
      command.addOption(
        new Option(`${flag} <seconds>`, 'deprecated: use --wait').argParser(parse).hideHelp(),
      );
    }
  }
  command.hook('preAction', (_hooked, action) => {
    if (action !== command) return;
    resolveConvention(command, spec, deprecated);
  });
  return command;
}

function resolveConvention(
  command: Command,
  spec: ConventionSpec,
  deprecated: { flag: string; use: string }[],
): void {
  for (const { flag, use } of deprecated) warnDeprecated(command, flag, use);
  const opts = command.opts<Record<string, unknown>>();
  if (spec.format && opts.json === true) {
    warnDeprecated(command, '--json', '--format json');
    if (command.getOptionValueSource('format') === 'default') {
      command.setOptionValueWithSource('format', 'json', 'cli');
    }
  }
  for (const flag of spec.wait?.deprecatedFlags ?? []) {
    const key = new Option(`${flag} <x>`).attributeName();
    if (opts[key] === undefined) continue;
    warnDeprecated(command, flag, '--wait');
    if (command.getOptionValueSource('wait') === 'default') {
      command.setOptionValueWithSource('wait', opts[key], 'cli');
    }
  }
  if (spec.coordinator && opts.coordinator === undefined) {
    for (const name of DEPRECATED_COORDINATOR_ENVS) {
      const value = process.env[name];
      if (!value) continue;
      warnDeprecated(command, `$${name}`, `$${COORDINATOR_ENV}`);
      command.setOptionValueWithSource('coordinator', parseUrl(value), 'env');
      break;
    }
  }
  if (spec.coordinator === 'required' && command.opts().coordinator === undefined) {
    throw usageError(`no coordinator: pass --coordinator <url> or set ${COORDINATOR_ENV}`);
  }
}

/**
 * Commander parser: an absolute `http(s)` URL, normalized.
 *
 * @example
 * ```ts
 * parseUrl('https://mint.example'); // 'https://mint.example/'
 * ```
 */
export function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(`not an http(s) URL: ${value}`);
  }
  return url.href;
}

/**
 * Commander parser factory: whole seconds from 0 to `max`.
 *
 * @example
 * ```ts
 * new Option('--wait <seconds>').argParser(seconds(3600));
 * ```
 */
export function seconds(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > max) {
      throw new InvalidArgumentError(`whole seconds from 0 to ${max}`);
    }
    return n;
  };
}
