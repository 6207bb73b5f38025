import { readFile } from 'node:fs/promises';
import { type ParseError, printParseErrorCode, visit } from 'jsonc-parser';
import type { z } from 'zod';
import { InvalidRequestError } from './errors.ts';

/**
 * One problem found in a configuration: `where` is `file:line:column` for a syntax problem
 * or the dotted field path for a schema or file problem. Messages never echo values that
 * could be secrets (only paths and field names).
 */
export interface ConfigProblem {
  readonly where: string;
  readonly message: string;
}

/** Renders a problem as one line: `where: message`. */
export const formatProblem = (p: ConfigProblem): string => `${p.where}: ${p.message}`;

/** 1-based line and column of `offset` in `text`. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Strict JSON (RFC 8259) syntax problems of `text`, every one with `file:line:column`: syntax
 * errors, comments, trailing commas, and duplicate member names, which RFC 8259 §4 leaves
 * undefined ("SHOULD be unique") and `JSON.parse` silently resolves to the last one — in a
 * security configuration an ambiguity, so here a problem.
 *
 * @example
 * ```ts
 * jsonSyntaxProblems('{"a":1,"a":2}', 'x.json'); // [{where: 'x.json:1:8', message: 'duplicate key "a" (first at 1:2)'}]
 * ```
 */
export function jsonSyntaxProblems(text: string, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const objects: Map<string, number>[] = [];
  visit(
    text,
    {
      onObjectBegin: () => void objects.push(new Map()),
      onObjectEnd: () => void objects.pop(),
      onObjectProperty: (name, offset) => {
        const seen = objects.at(-1);
        const first = seen?.get(name);
        if (first !== undefined) {
          problems.push({
            where: `${file}:${position(text, offset)}`,
            message: `duplicate key "${name}" (first at ${position(text, first)})`,
          });
        } else seen?.set(name, offset);
      },
      onError: (error: ParseError['error'], offset: number) =>
        void problems.push({
          where: `${file}:${position(text, offset)}`,
          message: `JSON syntax: ${printParseErrorCode(error)}`,
        }),
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  return problems;
}

/** The outcome of {@link checkJsonConfig}: the parsed config when it is valid, and every problem. */
export interface JsonConfigCheck<T> {
  readonly config?: T;
  readonly problems: ConfigProblem[];
}

/**
 * Reads `path` and collects every problem of it as a configuration for `schema`: unreadable
 * file, JSON syntax (with line:column) and duplicate keys, then every schema issue. The
 * config is returned only when there is no problem.
 *
 * @example
 * ```ts
 * const { config, problems } = await checkJsonConfig('/etc/frostmint/signer.json', SignerConfigSchema);
 * ```
 */
export async function checkJsonConfig<S extends z.ZodType>(
  path: string,
  schema: S,
): Promise<JsonConfigCheck<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    return { problems: [{ where: path, message: `cannot read: ${reason(cause)}` }] };
  }
  const syntax = jsonSyntaxProblems(text, path);
  if (syntax.some((p) => p.message.startsWith('JSON syntax'))) return { problems: syntax };
  const parsed = schema.safeParse(JSON.parse(text));
  const problems = parsed.success
    ? syntax
    : [
        ...syntax,
        ...parsed.error.issues.map((issue) => ({
          where: issue.path.join('.') || '(root)',
          message: issue.message,
        })),
      ];
  return parsed.success && problems.length === 0 ? { config: parsed.data, problems } : { problems };
}

/** Why a file operation failed, without a stack: `ENOENT: no such file or directory`. */
export function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code && typeof e.message === 'string') return e.message.replace(/, \w+(?: '.*')?$/, '');
  return err instanceof Error ? err.message : String(err);
}

/**
 * A problem for each `field → file path` that cannot be read (missing, a directory,
 * permissions).
 *
 * @example
 * ```ts
 * await unreadableFiles({ 'tls.cert': '/etc/frostmint/tls/signer-1.pem' });
 * // [{where: 'tls.cert', message: '/etc/frostmint/tls/signer-1.pem: ENOENT: no such file or directory'}]
 * ```
 */
export async function unreadableFiles(
  files: Readonly<Record<string, string | undefined>>,
): Promise<ConfigProblem[]> {
  const checks = Object.entries(files).map(async ([field, path]) => {
    if (path === undefined) return [];
    try {
      await readFile(path);
      return [];
    } catch (cause) {
      return [{ where: field, message: `${path}: ${reason(cause)}` }];
    }
  });
  return (await Promise.all(checks)).flat();
}

/**
 * Fails fast at start when a configured file cannot be read: one `config_invalid` error
 * naming every such field, its path and the reason (instead of a raw `ENOENT` later, or a
 * daemon that starts and fails on its first connection).
 *
 * @example
 * ```ts
 * await requireReadableFiles({ 'tls.ca': config.tls.ca, 'tls.cert': config.tls.cert }, 'signer config');
 * ```
 */
export async function requireReadableFiles(
  files: Readonly<Record<string, string | undefined>>,
  what: string,
): Promise<void> {
  const problems = await unreadableFiles(files);
  if (problems.length > 0) {
    throw new InvalidRequestError(
      'config_invalid',
      `${what}: ${problems.map(formatProblem).join('; ')}`,
    );
  }
}
