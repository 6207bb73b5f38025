import { InvalidRequestError } from '@frostmint/core';
import { z } from 'zod';

/**
 * Characters no request field may hold: control characters (C0, DEL and C1, Unicode
 * general category Cc — NUL included, which PostgreSQL text and jsonb refuse) and the
 * bidirectional formatting controls (LRE…RLO, LRI…PDI, LRM/RLM/ALM), which would let a
 * justification or user id read differently on an approval page than it is. No field of
 * the API is multi-line, so newline and tab are refused too. With the `u` flag an unpaired
 * surrogate (ill-formed UTF-16) is a code point of category Cs, refused as well.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Bidi_Control}]/u;

/** How deep free-form JSON in a request (bindings, extension results, policy data) may nest. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Why `value` may not be a request string, or undefined when it may: it holds a forbidden
 * character or an unpaired surrogate.
 *
 * @example
 * ```ts
 * textProblem('a\u0000b'); // 'contains control character U+0000 at offset 1'
 * ```
 */
export function textProblem(value: string): string | undefined {
  const found = FORBIDDEN.exec(value);
  if (!found) return undefined;
  const point = found[0].codePointAt(0)!;
  const what = point >= 0xd800 && point <= 0xdfff ? 'an unpaired surrogate' : 'control character';
  const code = point.toString(16).toUpperCase().padStart(4, '0');
  return `contains ${what} U+${code} at offset ${found.index}`;
}

/**
 * The one string schema of the coordinator's HTTP input: every route parameter, query
 * value and body string is (or is built on) it. Refuses what `textProblem` names; chain
 * `.min`, `.max`, `.regex` for the field's own format.
 *
 * @example
 * ```ts
 * const Reason = InputText.min(1).max(256);
 * ```
 */
export const InputText = z.string().superRefine((value, ctx) => {
  const problem = textProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** base64url without padding, on `InputText`. */
export const Base64Url = InputText.regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');

/**
 * Free-form JSON inside a request (a WebAuthn response, a signed binding, policy data):
 * any JSON value whose strings and member names all pass `textProblem`, nested at most
 * `MAX_INPUT_DEPTH` deep. The issue names the path of the first offending value.
 *
 * @example
 * ```ts
 * const Body = z.object({ binding: z.record(z.string(), InputJson) });
 * ```
 */
export const InputJson = z.unknown().superRefine((value, ctx) => {
  const found = firstProblem(value);
  if (found) ctx.addIssue({ code: 'custom', message: found.problem, path: found.path });
});

/** The first string or member name in `root` that `textProblem` refuses, iteratively. */
function firstProblem(root: unknown): { path: PropertyKey[]; problem: string } | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path, problem };
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= MAX_INPUT_DEPTH)
        return { path, problem: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
      for (const [key, member] of Object.entries(value).reverse()) {
        const problem = textProblem(key);
        if (problem) return { path, problem: `member name ${problem}` };
        stack.push({ value: member, path: [...path, Array.isArray(value) ? Number(key) : key] });
      }
    }
  }
  return undefined;
}

/**
 * Validates one part of a request (`where`: `params`, `query`, `body`) with `schema`, or
 * throws `invalid_request` (400) naming the field path of the first problem, e.g.
 * `body.justification: contains control character U+0000 at offset 3`.
 *
 * @example
 * ```ts
 * const body = parseInput(PrepareMintBodySchema, request.body, 'body');
 * ```
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [where, ...(issue?.path ?? []).map(String)].join('.');
  throw new InvalidRequestError('invalid_request', `${path}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Checks every string of a request's parameters, query and body with the shared rules
 * (`InputJson`) before any route sees them, so a route added later is covered too.
 *
 * @example
 * ```ts
 * app.addHook('preValidation', async (request) => checkRequestText(request));
 * ```
 */
export function checkRequestText(request: {
  params: unknown;
  query: unknown;
  body: unknown;
}): void {
  parseInput(InputJson, request.params, 'params');
  parseInput(InputJson, request.query, 'query');
  parseInput(InputJson, request.body, 'body');
}
