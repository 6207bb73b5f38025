import { routesOf } from '@frostmint/coordinator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessStack, startInProcessStack } from '../support/in-process-stack.ts';

/**
 * Route fuzzing: every route the coordinator serves (read from its own route table, so a
 * route added later is fuzzed too) gets malformed JSON, wrong types, control characters,
 * lone surrogates, bidi overrides, huge and deeply nested bodies, and hostile path and query
 * values. Any 5xx, and any error body that is not exactly `{error, message}`, fails.
 * Deterministic: a fixed seed and a bounded number of cases.
 */

const SEED = 0x5eed_f00d;
const RANDOM_CASES_PER_ROUTE = 24;

/** mulberry32: a tiny seeded PRNG, enough to pick cases reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return { next, pick };
}

const HOSTILE_STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '\u0007bell',
  'line\nbreak',
  'tab\t',
  '\u007f',
  '\u0085',
  '\u009f',
  '\uD800',
  'x\uDFFF',
  '\uDBFF\uDBFF',
  '\u202Eevil',
  '\u2066isolate',
  '\u200F',
  '\uFEFFbom',
  '😀',
  'é',
  '%00',
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '\u0024{jndi:ldap://x}',
  'A'.repeat(22),
  'A'.repeat(43),
  'x'.repeat(15_000),
  'ü'.repeat(4_000),
];

const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  null,
  true,
  0,
  -1,
  1.5,
  -0,
  1e308,
  2 ** 64,
  [],
  {},
  [null],
  [[[[[]]]]],
  { __proto__: null, constructor: { prototype: {} } },
  Array.from({ length: 200 }, (_, i) => `scope:${i}`),
];

/** Bodies that are not valid JSON, or are JSON no field accepts. */
const RAW_BODIES = [
  '{',
  '}',
  '[1,]',
  '{"a":1,}',
  'nul',
  'NaN',
  '{"ttl":1e999}',
  '"\\ud800"',
  '\uFEFF{}',
  '{"a":"\\u00"}',
  ' ',
  '{"a":1}{"b":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '['.repeat(10_000),
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`,
  JSON.stringify({ scope: ['\u0000'], audience: '\uD800', justification: '\u202E' }),
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
];

/** Values substituted for a `:param` in a route's URL (already percent-encoded). */
const PARAM_VALUES = [
  'AAAAAAAAAAAAAAAAAAAAAA',
  `${'A'.repeat(43)}.${'A'.repeat(43)}`,
  '%00',
  'a%00b',
  '%01%02',
  '%C2%85',
  '%E2%80%AE',
  '%ED%A0%80',
  '%C0%80',
  '%E0%A4%A',
  '%',
  '%F0%9F%98%80',
  '..',
  '%2F..%2F',
  '%20',
  'A'.repeat(1_399),
  'A'.repeat(3_000),
  'mint',
];

const QUERIES = [
  '',
  '?wait=abc',
  '?wait=%00',
  '?wait=1&wait=2',
  '?wait=-1',
  '?wait=1e3',
  '?__proto__=x',
  `?x=${'y'.repeat(4_000)}`,
  '?%E0%A4%A=1',
];

/** Near-valid bodies per route, so mutations reach past the first check. */
const assertion = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: {
    clientDataJSON: 'AAAA',
    authenticatorData: 'A'.repeat(50),
    signature: 'AAAA',
    userHandle: 'AAAA',
  },
  clientExtensionResults: {},
};
const mintBody = { scope: ['deploy:canary'], audience: 'deploy-api', ttl: 300, justification: 'x' };
const TEMPLATES: Record<string, unknown> = {
  'POST /v1/mint': mintBody,
  'POST /v1/mint/requests': {
    ...mintBody,
    user: 'alice@example.com',
    result_key: { kty: 'OKP', crv: 'X25519', x: `${'A'.repeat(42)}E` },
  },
  'POST /v1/mint/requests/:id/assertion': assertion,
  'POST /v1/mint/requests/:id/webauthn-approvals': assertion,
  'POST /v1/enrollments/renewals/:id/assertion': assertion,
  'POST /v1/mint/requests/:id/approvals': { guardian_kid: 'AAAA', signature: 'AAAA' },
  'POST /v1/mint/requests/:id/denials': { guardian_kid: 'AAAA', signature: 'AAAA' },
  'POST /v1/enrollments': { user: 'mallory@example.com', roles: ['developer'] },
  'POST /v1/enrollments/requests/:id/registration': {
    ...assertion,
    response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA', transports: ['usb'] },
  },
  'POST /v1/enrollments/renewals': { user: 'alice@example.com', credential_id: 'AAAA' },
  'DELETE /v1/enrollments/:credentialId': { reason: 'lost' },
  'POST /v1/guardian-credentials/registrations': { guardian_kid: 'A'.repeat(43) },
  'POST /v1/guardian-credentials/registrations/:id/binding': { binding: { a: 'b' } },
  'POST /v1/guardian-credentials/registrations/:id/registration': assertion,
  'PUT /v1/policy': {
    version: 1,
    policy: `sha256:${'0'.repeat(64)}`,
    wasm: 'AA==',
    data: { roles: {} },
    approvals: [],
  },
};

/** `template` with the value at one random path (or a new member) replaced. */
function mutate(template: unknown, rand: ReturnType<typeof prng>): unknown {
  const value = rand.pick(HOSTILE_VALUES);
  if (template === null || typeof template !== 'object' || rand.next() < 0.15) return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(template)
    ? [...template]
    : { ...(template as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || rand.next() < 0.1) {
    (copy as Record<string, unknown>)[rand.pick(HOSTILE_STRINGS.slice(0, 16)) || 'extra'] = value;
    return copy;
  }
  const key = rand.pick(keys);
  (copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], rand);
  return copy;
}

interface Case {
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

function cases(route: { method: string; url: string }, rand: ReturnType<typeof prng>): Case[] {
  const { method } = route;
  const fill = (value: () => string) => route.url.replace(/:[A-Za-z]+/g, value);
  const valid = fill(() =>
    route.url.includes('registrations') ? PARAM_VALUES[1]! : PARAM_VALUES[0]!,
  );
  const out: Case[] = [];
  for (const v of PARAM_VALUES)
    if (route.url.includes(':')) out.push({ method, path: fill(() => v) });
  for (const q of QUERIES) out.push({ method, path: `${valid}${q}` });
  if (method === 'GET' || method === 'HEAD') return out;
  const template = TEMPLATES[`${method} ${route.url}`] ?? {};
  for (const body of RAW_BODIES)
    out.push({ method, path: valid, contentType: 'application/json', body });
  for (const contentType of CONTENT_TYPES)
    out.push({ method, path: valid, contentType, body: JSON.stringify(template) });
  for (const value of HOSTILE_VALUES)
    out.push({ method, path: valid, contentType: 'application/json', body: JSON.stringify(value) });
  out.push({ method, path: valid });
  out.push({
    method,
    path: valid,
    contentType: 'application/json',
    body: JSON.stringify({ ...(template as object), pad: 'x'.repeat(20_000) }),
  });
  out.push({
    method,
    path: valid,
    contentType: 'application/json',
    body: `${'['.repeat(500_000)}${']'.repeat(500_000)}`,
  });
  for (let i = 0; i < RANDOM_CASES_PER_ROUTE; i++) {
    const path = rand.next() < 0.2 ? fill(() => rand.pick(PARAM_VALUES)) : valid;
    out.push({
      method,
      path,
      contentType: 'application/json',
      body: JSON.stringify(mutate(template, rand)),
    });
  }
  return out;
}

describe('route fuzzing: no 5xx and only {error, message} errors on any route', () => {
  let stack: InProcessStack;
  beforeAll(async () => {
    stack = await startInProcessStack();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('every route of the route table survives hostile input', async () => {
    const routes = routesOf(stack.coordinator.app).filter((r) => r.method !== 'HEAD');
    // The table is the coordinator's own: all route families are served here.
    for (const expected of [
      'POST /v1/mint',
      'POST /v1/mint/requests',
      'POST /v1/mint/requests/:id/approvals',
      'POST /v1/enrollments/:credentialId/renewals',
      'POST /v1/guardian-credentials/registrations/:id/binding',
      'PUT /v1/policy',
    ])
      expect(routes.map((r) => `${r.method} ${r.url}`)).toContain(expected);
    const rand = prng(SEED);
    const failures: string[] = [];
    let sent = 0;
    const all = routes.flatMap((route) => cases(route, rand));
    all.push(
      { method: 'GET', path: '/no/such/route' },
      { method: 'OPTIONS', path: '/v1/mint' },
      { method: 'PATCH', path: '/v1/policy', contentType: 'application/json', body: '{}' },
    );
    const headers = (c: Case) => ({
      authorization: `Bearer ${stack.layout.bearer}`,
      ...(c.contentType ? { 'content-type': c.contentType } : {}),
    });
    const run = async (c: Case) => {
      const res = await fetch(`${stack.coordinatorUrl}${c.path}`, {
        method: c.method,
        headers: headers(c),
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      const text = await res.text();
      sent++;
      const what = `${c.method} ${c.path.slice(0, 120)} [${c.contentType ?? '-'}] ${(c.body ?? '').slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`;
      if (res.status >= 500) return failures.push(what);
      if (res.status < 400) return;
      if (res.status === 405 && (res.headers.get('allow') ?? '').split(', ').includes(c.method))
        failures.push(`405 allows the method it refused: ${what}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return failures.push(`not JSON: ${what}`);
      }
      const keys = body && typeof body === 'object' ? Object.keys(body).sort() : [];
      const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
      if (
        keys.join() !== 'error,message' ||
        typeof error !== 'string' ||
        !/^[a-z][a-z0-9_]*$/.test(error) ||
        typeof message !== 'string' ||
        /\n\s+at /.test(message)
      )
        failures.push(`bad error shape: ${what}`);
    };
    for (let i = 0; i < all.length; i += 8) await Promise.all(all.slice(i, i + 8).map(run));
    expect(sent).toBeGreaterThan(1_000);
    expect(failures).toEqual([]);
  });
});
