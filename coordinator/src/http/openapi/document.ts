import { ERROR_CODES, type ErrorCode, httpErrorCodes } from '@frostmint/core';
import { type ZodType, z } from 'zod';
import { OPERATIONS, type Operation } from './operations.ts';

/** The server URL the committed copy (`docs/openapi.json`) names. */
export const EXAMPLE_ISSUER = 'https://mint.example.com';

type Json = Record<string, unknown>;

/**
 * The coordinator's OpenAPI 3.1 document, generated from the zod schemas its routes
 * validate with (`OPERATIONS`) and from core's error-code table: every error response names
 * its codes, and `components.schemas.ErrorCode` is the table's closed list.
 *
 * @example
 * ```ts
 * const doc = openApiDocument({ issuer: 'https://mint.example.com' });
 * doc.paths['/v1/mint'].post.requestBody; // the MintBodySchema as JSON Schema
 * ```
 */
export function openApiDocument(options: { issuer: string }) {
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of OPERATIONS) {
    const path = openApiPath(op.url);
    paths[path] ??= {};
    paths[path][op.method.toLowerCase()] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'frostmint coordinator',
      version: '1',
      description:
        'Threshold minting of short-lived, scoped EdDSA JWTs. Every error answers `{error, message}` ' +
        'with a stable code (docs/errors.md); an unknown path answers 404 `not_found`, a known path ' +
        'with another method 405 `method_not_allowed` with `Allow`.',
    },
    servers: [{ url: options.issuer }],
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        requester: {
          type: 'http',
          scheme: 'bearer',
          description: 'A CI OIDC ID token from a trusted issuer, or the dev bearer credential',
        },
        operator: {
          type: 'http',
          scheme: 'bearer',
          description: 'The enrollment operator credential',
        },
        requestSecret: {
          type: 'http',
          scheme: 'bearer',
          description: 'The `request_secret` a 202 from `POST /v1/mint` returned',
        },
      },
      schemas: {
        ErrorCode: {
          type: 'string',
          description: 'A stable error code (docs/errors.md).',
          enum: httpErrorCodes(),
        },
        Error: {
          type: 'object',
          required: ['error', 'message'],
          additionalProperties: false,
          properties: {
            error: { $ref: '#/components/schemas/ErrorCode' },
            message: { type: 'string', description: 'For humans; never secret material.' },
          },
        },
      },
    },
  };
}

/**
 * `/v1/mint/requests/:id` → `/v1/mint/requests/{id}` (OpenAPI path templating); a final
 * wildcard `/audit/tile/*` → `/audit/tile/{path}`.
 */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

/** The error codes every operation of this shape may answer with, beside its own. */
function genericErrors(op: Operation): ErrorCode[] {
  const codes: ErrorCode[] = ['internal'];
  if (op.params || op.query || op.body) codes.push('invalid_request');
  if (op.body) codes.push('payload_too_large', 'unsupported_media_type');
  return codes;
}

function operation(op: Operation): Json {
  const out: Json = {
    operationId: operationId(op),
    summary: op.summary,
    tags: [op.tag],
    ...(op.auth === 'none' ? {} : { security: [{ [op.auth]: [] }] }),
  };
  const parameters = [...parametersOf(op.params, 'path'), ...parametersOf(op.query, 'query')];
  if (parameters.length > 0) out.parameters = parameters;
  if (op.body) {
    out.requestBody = {
      required: op.method !== 'DELETE',
      content: { 'application/json': { schema: jsonSchema(op.body) } },
    };
  }
  const responses: Record<string, Json> = {};
  for (const [status, description] of Object.entries(op.ok)) {
    responses[status] = {
      description,
      content: op.contentType
        ? { [op.contentType]: { schema: { type: 'string' } } }
        : { 'application/json': {} },
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...genericErrors(op), ...op.errors])) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: codes.map((c) => `\`${c}\``).join(', '),
      content: { 'application/json': { schema: errorSchema(codes) } },
    };
  }
  out.responses = responses;
  return out;
}

/** The Error schema, narrowed to `codes` (each one a member of `ErrorCode`). */
function errorSchema(codes: readonly ErrorCode[]): Json {
  return {
    allOf: [
      { $ref: '#/components/schemas/Error' },
      { type: 'object', properties: { error: { enum: [...codes] } } },
    ],
  };
}

function operationId(op: Operation): string {
  const words = op.url
    .split('/')
    .filter((s) => s !== '' && s !== 'v1' && s !== '.well-known')
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s));
  return [op.method.toLowerCase(), ...words]
    .join('-')
    .replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase());
}

function parametersOf(schema: ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

/** JSON Schema (2020-12, the OpenAPI 3.1 dialect) of what a request may send. */
function jsonSchema(schema: ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Json;
  return rest;
}
