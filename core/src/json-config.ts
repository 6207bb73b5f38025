import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatProblem, jsonSyntaxProblems } from './config-check.ts';
import { InvalidRequestError } from './errors.ts';

/**
 * Reads a JSON configuration file and validates it with `schema`. Errors name the file and
 * the offending place (`config_unreadable`; `config_invalid` with `file:line:column` for
 * syntax errors and duplicate keys, or the first offending field) and never echo values.
 * `--check-config` (see `checkJsonConfig`) lists every problem instead of the first.
 *
 * @example
 * ```ts
 * const config = await loadJsonConfig('/etc/frostmint/signer.json', SignerConfigSchema, 'signer config');
 * ```
 */
export async function loadJsonConfig<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidRequestError('config_unreadable', `cannot read ${what} ${path}`, { cause });
  }
  const syntax = jsonSyntaxProblems(text, path);
  if (syntax.length > 0) {
    throw new InvalidRequestError(
      'config_invalid',
      `${what} ${syntax.map(formatProblem).join('; ')}`,
    );
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(
      'config_invalid',
      `${what} ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
