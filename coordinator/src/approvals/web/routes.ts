import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Base64Url, InputJson, InputText, parseInput } from '../../http/input.ts';
import { AssertionBodySchema, RequestParamsSchema } from '../../requests/schemas.ts';
import type { GuardianCredentials } from './credentials.ts';
import { sendGuardianPage, sendGuardianScript } from './pages.ts';
import type { WebApprovals } from './web-approvals.ts';

export const StartSchema = z.object({ guardian_kid: Base64Url.length(43) }).strict();
export const BindSchema = z.object({ binding: z.record(InputText, InputJson) }).strict();
export const RegistrationParamsSchema = z.object({
  id: InputText.regex(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/, 'a registration id'),
});

/** What the guardian web approval routes serve from. */
export interface WebApprovalParts {
  readonly credentials: GuardianCredentials;
  readonly approvals: WebApprovals;
  /** The origin of the pages' URLs (`webauthn.origins[0]`). */
  readonly origin: string;
}

/**
 * Guardian web approvals (docs/approvals.md "Web approvals"):
 *
 * - `POST /v1/guardian-credentials/registrations` `{guardian_kid}` → `{registration_id, url,
 *   expires_at}`; the guardian opens `url` (`/guardians/register/{id}`) and taps;
 * - `GET /v1/guardian-credentials/registrations/{id}` — status, creation options, the
 *   registered credential; `POST …/{id}/registration` (the page) and `POST …/{id}/binding`
 *   `{binding}` (the guardian's CLI, signed by the approval key);
 * - `GET /approvals/{id}` — the approval page; `GET /v1/approvals/{id}` — the request and
 *   the assertion options (challenge = the approval digest); `POST
 *   /v1/mint/requests/{id}/webauthn-approvals` — the page's assertion.
 *
 * `parts` is read at every request: the guardians of the group key signing now.
 *
 * @example
 * ```ts
 * registerWebApprovalRoutes(app, () => ({ credentials, approvals, origin }));
 * ```
 */
export function registerWebApprovalRoutes(
  app: FastifyInstance,
  parts: () => WebApprovalParts,
): void {
  const credentials = () => parts().credentials;
  const approvals = () => parts().approvals;
  const registrationId = (params: unknown) =>
    parseInput(RegistrationParamsSchema, params, 'params').id;
  const requestId = (params: unknown) => parseInput(RequestParamsSchema, params, 'params').id;

  app.post('/v1/guardian-credentials/registrations', async (request, reply) => {
    const { guardian_kid } = parseInput(StartSchema, request.body, 'body');
    const started = await credentials().start(guardian_kid);
    void reply.status(201);
    return { ...started, url: `${parts().origin}/guardians/register/${started.registration_id}` };
  });
  app.get('/v1/guardian-credentials/registrations/:id', async (request) =>
    credentials().view(registrationId(request.params)),
  );
  app.post('/v1/guardian-credentials/registrations/:id/registration', async (request) =>
    credentials().register(
      registrationId(request.params),
      parseInput(InputJson, request.body, 'body'),
    ),
  );
  app.post('/v1/guardian-credentials/registrations/:id/binding', async (request) => {
    const { binding } = parseInput(BindSchema, request.body, 'body');
    return credentials().bind(registrationId(request.params), binding);
  });
  app.get('/guardians/register/:id', async (request, reply) => {
    registrationId(request.params);
    return sendGuardianPage(reply, 'register');
  });

  app.get('/approvals/:id', async (request, reply) => {
    requestId(request.params);
    return sendGuardianPage(reply, 'approve');
  });
  app.get('/v1/approvals/:id', async (request) => approvals().prepare(requestId(request.params)));
  app.post('/v1/mint/requests/:id/webauthn-approvals', async (request) =>
    approvals().approve(
      requestId(request.params),
      parseInput(AssertionBodySchema, request.body, 'body'),
    ),
  );
  app.get('/guardian.js', async (_request, reply) => sendGuardianScript(reply));
}
