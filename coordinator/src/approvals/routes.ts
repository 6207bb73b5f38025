import { UnauthenticatedError } from '@frostmint/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerOf } from '../auth/oidc.ts';
import { Base64Url, InputText, parseInput } from '../http/input.ts';
import type { PolledMints } from '../mint/polled.ts';
import { RequestParamsSchema } from '../requests/schemas.ts';
import type { ApprovalGate } from './gate.ts';

const b64u = Base64Url.min(1).max(512);
export const GuardianAnswerSchema = z.object({ guardian_kid: b64u, signature: b64u }).strict();
export const PollQuerySchema = z
  .object({
    wait: InputText.max(2)
      .regex(/^\d+$/, 'whole seconds')
      .transform(Number)
      .pipe(z.number().int().min(0).max(60))
      .default(0),
  })
  .strict();

/**
 * The guardian-approval API, beside `POST /v1/mint` (which answers 202 with a request id
 * and a poll secret when a mint needs approvals):
 *
 * - `GET /v1/approvals/pending` — pending requests with requester, scopes, audience, TTL,
 *   justification, policy reasons, approvals so far and the exact approval subject;
 * - `POST /v1/mint/requests/{id}/approvals` `{guardian_kid, signature}` — an approval
 *   (base64url ES256 `r‖s`), verified before it is stored;
 * - `POST /v1/mint/requests/{id}/denials` `{guardian_kid, signature}` — a signed refusal;
 * - `GET /v1/mint/requests/{id}/token?wait=<s>` with `Authorization: Bearer <request_secret>`
 *   — the one-step requester's poll: 202 with who approved so far and time left, or 200
 *   with the token. (`GET /v1/mint/requests/{id}` is the two-step WebAuthn request's status.)
 *
 * `approvals` is read at every request: the gate of the group key signing now.
 *
 * @example
 * ```ts
 * registerApprovalRoutes(app, () => ({ gate, polled }));
 * ```
 */
export function registerApprovalRoutes(
  app: FastifyInstance,
  approvals: () => { readonly gate: ApprovalGate; readonly polled: PolledMints },
): void {
  const pending = () => approvals().gate;
  app.get('/v1/approvals/pending', async () => ({ requests: await pending().listPending() }));

  app.post('/v1/mint/requests/:id/approvals', async (request) => {
    const { id, answer } = parseAnswer(request);
    return pending().approve(id, answer);
  });

  app.post('/v1/mint/requests/:id/denials', async (request) => {
    const { id, answer } = parseAnswer(request);
    await pending().deny(id, answer);
    return { status: 'denied' };
  });

  app.get('/v1/mint/requests/:id/token', async (request, reply) => {
    const { id } = parseInput(RequestParamsSchema, request.params, 'params');
    const { wait } = parseInput(PollQuerySchema, request.query, 'query');
    const secret = bearerOf(request);
    if (secret.length > 128)
      throw new UnauthenticatedError('unauthenticated', 'bad request secret');
    const result = await approvals().polled.poll(id, secret, wait);
    if ('status' in result) void reply.status(202);
    return result;
  });
}

function parseAnswer(request: FastifyRequest) {
  const { id } = parseInput(RequestParamsSchema, request.params, 'params');
  const body = parseInput(GuardianAnswerSchema, request.body, 'body');
  return {
    id,
    answer: { guardianKid: body.guardian_kid, signature: Buffer.from(body.signature, 'base64url') },
  };
}
