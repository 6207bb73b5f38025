import type { DevStack } from '@frostmint/cli';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { idTokenFor } from './idp-login.ts';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: string; message?: string };
}

/** What these helpers need of a stack: its coordinator, its layout and its IdP. */
export type WebAuthnStack = Pick<DevStack, 'coordinatorUrl' | 'layout' | 'idp'>;

/** JSON over HTTP to the stack's coordinator. */
export async function api<T = Record<string, unknown>>(
  stack: WebAuthnStack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const res = await fetch(`${stack.coordinatorUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Answer<T>['body'] };
}

/** The stack's relying party (origin and RP ID of its tap pages). */
export function relyingParty(stack: WebAuthnStack) {
  const { webauthn } = stack.layout.coordinator;
  return { rpId: webauthn!.rpId, origin: webauthn!.origins[0]! };
}

/**
 * Enrolls a fresh software credential for `user` through the HTTP API: the registration,
 * then (unless guardian approvals prove it) `user`'s login at the stack's OpenID Provider
 * with nonce = the certificate request digest.
 */
export async function enrollSoft(stack: WebAuthnStack, user: string, roles = ['developer']) {
  const { rpId, origin } = relyingParty(stack);
  const auth = new SoftAuthenticator(rpId, origin);
  const begun = await api<{ request_id: string; public_key: { challenge: string } }>(
    stack,
    'POST',
    '/v1/enrollments',
    { user, roles },
    { authorization: `Bearer ${stack.layout.bearer}` },
  );
  if (begun.status !== 201) throw new Error(`enroll begin: ${JSON.stringify(begun.body)}`);
  const path = `/v1/enrollments/requests/${begun.body.request_id}`;
  let done = await api<{ certificate: string; credential_id: string; id_token_nonce?: string }>(
    stack,
    'POST',
    `${path}/registration`,
    auth.register(begun.body.public_key.challenge),
  );
  if (done.status === 200 && done.body.id_token_nonce) {
    const idToken = await idTokenFor(stack, user, done.body.id_token_nonce);
    done = await api(stack, 'POST', `${path}/id-token`, { id_token: idToken });
  }
  if (done.status !== 200) throw new Error(`enroll complete: ${JSON.stringify(done.body)}`);
  return { auth, certificate: Buffer.from(done.body.certificate, 'utf8') };
}

export interface Prepared {
  request_id: string;
  signing_input: string;
  claims: { sub: string; jti: string; frostmint: { signers: number[] }; exp: number; iat: number };
  public_key: { challenge: string };
}

/** `POST /v1/mint/requests`. */
export function prepareMint(stack: WebAuthnStack, body: Record<string, unknown>) {
  return api<Prepared>(stack, 'POST', '/v1/mint/requests', {
    scope: ['deploy:canary'],
    audience: 'deploy-api',
    ...body,
  });
}

/** `POST /v1/mint/requests/{id}/assertion`. */
export function completeMint(stack: WebAuthnStack, id: string, assertion: unknown) {
  return api<{ token?: string; status: string }>(
    stack,
    'POST',
    `/v1/mint/requests/${id}/assertion`,
    assertion,
  );
}
