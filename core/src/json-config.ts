import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InvalidRequestError } from './errors.ts';

/**
 * Reads a JSON configuration file and validates it with `schema`. Errors name the file and
 * the first offending field (`config_unreadable`, `config_invalid`) and never echo values.
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
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new InvalidRequestError('config_unreadable', `cannot read ${what} ${path}`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(
      'config_invalid',
      `${what} ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
