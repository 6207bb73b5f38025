import { OPERATIONS, type openApiDocument, openApiPath, routesOf } from '@frostmint/coordinator';
import { ERROR_CODES, httpErrorCodes, isErrorCode } from '@frostmint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessStack, startInProcessStack } from '../support/in-process-stack.ts';

type Doc = ReturnType<typeof openApiDocument>;
type Responses = Record<string, { content?: Record<string, { schema?: unknown }> }>;

/** The error codes a documented response lists (`allOf: [Error, {error: {enum}}]`). */
function documentedCodes(responses: Responses, status: number): string[] {
  const schema = responses[String(status)]?.content?.['application/json']?.schema as
    | { allOf?: [{ $ref: string }, { properties: { error: { enum: string[] } } }] }
    | undefined;
  if (!schema?.allOf) return [];
  expect(schema.allOf[0].$ref).toBe('#/components/schemas/Error');
  return schema.allOf[1].properties.error.enum;
}

/**
 * The OpenAPI document against the coordinator that serves every route family: every served
 * route is documented, every documented route is served, every error response names codes
 * of core's table with their status, and what a route actually answers is documented.
 */
describe('the OpenAPI document matches the routes actually served', () => {
  let stack: InProcessStack;
  let doc: Doc;
  beforeAll(async () => {
    stack = await startInProcessStack();
    doc = (await (await fetch(`${stack.coordinatorUrl}/openapi.json`)).json()) as Doc;
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const served = () =>
    routesOf(stack.coordinator.app)
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${r.method} ${openApiPath(r.url)}`)
      .sort();
  const documented = () =>
    Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();

  it('documents every served route and serves every documented one', () => {
    expect(served().length).toBeGreaterThan(30);
    expect(documented()).toEqual(served());
    expect(doc.openapi).toBe('3.1.0');
  });

  it('takes every error response from the error-code table, with the status of each code', () => {
    expect(doc.components.schemas.ErrorCode.enum).toEqual(httpErrorCodes());
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const responses = (op as { responses: Responses }).responses;
        for (const status of Object.keys(responses)
          .map(Number)
          .filter((s) => s >= 400)) {
          const codes = documentedCodes(responses, status);
          if (path === '/readyz' && status === 503) continue; // readiness, not an error body
          expect(codes.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
          for (const code of codes) {
            expect(isErrorCode(code), code).toBe(true);
            expect(
              ERROR_CODES[code as keyof typeof ERROR_CODES].status,
              `${method} ${path} ${code}`,
            ).toBe(status);
          }
        }
      }
    }
  });

  it('documents the error each route really answers to an empty or foreign request', async () => {
    const undocumented: string[] = [];
    let checked = 0;
    for (const op of OPERATIONS) {
      const url = op.url
        .replace(':kind', 'mint')
        .replace(':credentialId', 'AAAA')
        .replace(
          ':id',
          op.url.includes('registrations') ? `${'A'.repeat(43)}.${'A'.repeat(43)}` : 'A'.repeat(22),
        );
      const body = op.method === 'GET' ? undefined : '{}';
      const res = await fetch(`${stack.coordinatorUrl}${url}`, {
        method: op.method,
        ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
      });
      if (res.status < 400) continue;
      const answer = (await res.json()) as { error: string };
      checked++;
      const op3 = (doc.paths as Record<string, Record<string, { responses: Responses }>>)[
        openApiPath(op.url)
      ]![op.method.toLowerCase()]!;
      if (!documentedCodes(op3.responses, res.status).includes(answer.error))
        undocumented.push(`${op.method} ${op.url} → ${res.status} ${answer.error}`);
    }
    expect(undocumented).toEqual([]);
    // Most routes refuse such a request: the check is not vacuous.
    expect(checked).toBeGreaterThan(20);
  });
});
