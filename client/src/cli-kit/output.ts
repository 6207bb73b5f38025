/** The `--format` values every command that prints a result takes. */
export const OUTPUT_FORMATS = ['text', 'json', 'env'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A command's result in each form it can print. */
export interface CommandResult {
  /** For people (`--format text`); a token command prints the bare token, for `$(…)`. */
  readonly text: string;
  /** For programs (`--format json`): one JSON document. */
  readonly json: unknown;
  /** For shells (`--format env`); absent: the JSON's scalar fields as `FROSTMINT_<FIELD>`. */
  readonly env?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Quotes `value` for a POSIX shell: single quotes, an embedded `'` as `'\''`
 * (POSIX.1-2017 XCU §2.2.3: nothing is special inside single quotes).
 *
 * @example
 * ```ts
 * shellQuote("it's"); // 'it'\''s'
 * ```
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Renders a result for stdout, newline-terminated. `env` is always `export NAME='value'`
 * (strings shell-quoted, numbers bare: `eval "$(frostmint … --format env)"` is safe
 * whatever the values hold);
 * a result without an env form renders its JSON fields that are scalars.
 *
 * @example
 * ```ts
 * process.stdout.write(renderResult({ text: token, json: minted, env: { FROSTMINT_TOKEN: token } }, 'env'));
 * ```
 */
export function renderResult(result: CommandResult, format: OutputFormat): string {
  switch (format) {
    case 'text':
      return result.text.endsWith('\n') ? result.text : `${result.text}\n`;
    case 'json':
      return `${JSON.stringify(result.json)}\n`;
    case 'env':
      return Object.entries(result.env ?? scalarsOf(result.json))
        .map(
          ([name, value]) =>
            `export ${name}=${typeof value === 'string' ? shellQuote(value) : value}\n`,
        )
        .join('');
  }
}

/** `{a: 1, b: 'x', c: {...}}` → `{FROSTMINT_A: 1, FROSTMINT_B: 'x'}` (nested values left out). */
function scalarsOf(json: unknown): Record<string, string | number | boolean> {
  if (typeof json !== 'object' || json === null) return {};
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(json)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) {
      out[`FROSTMINT_${key.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`] = value as string;
    }
  }
  return out;
}
