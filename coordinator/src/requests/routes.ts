import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RequesterAuthenticator } from '../auth/types.ts';
import type { EnrollmentService } from './enrollment.ts';
import type { MintRequestService } from './mint-requests.ts';
import { sendTapPage, sendTapScript } from './pages.ts';
import type { RenewalService } from './renewal.ts';
import {
  AssertionBodySchema,
  BeginEnrollmentBodySchema,
  BeginRenewalBodySchema,
  EnrollmentIdTokenBodySchema,
  PrepareMintBodySchema,
  parseBody,
  RequestIdSchema,
} from './schemas.ts';

/** The WebAuthn request lifecycle's HTTP surface. */
export interface RequestRoutes {
  readonly mints: MintRequestService;
  readonly enrollments: EnrollmentService;
  readonly renewals: RenewalService;
  /** Who may start (and revoke) enrollments: the enrollment operator. */
  readonly operator: RequesterAuthenticator;
}

const idParam = (params: unknown) => parseBody(RequestIdSchema, (params as { id?: unknown }).id);

/**
 * Registers the two-step mint, the enrollment endpoints and the tap pages.
 *
 * @example
 * ```ts
 * registerRequestRoutes(app, { mints, enrollments, operator });
 * ```
 */
export function registerRequestRoutes(app: FastifyInstance, routes: RequestRoutes): void {
  const { mints, enrollments, renewals, operator } = routes;

  app.post('/v1/mint/requests', async (request, reply) => {
    const prepared = await mints.prepare(parseBody(PrepareMintBodySchema, request.body));
    void reply.status(201);
    return prepared;
  });
  app.get('/v1/mint/requests/:id', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return mints.status(idParam(request.params));
  });
  app.post('/v1/mint/requests/:id/assertion', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return mints.complete(idParam(request.params), parseBody(AssertionBodySchema, request.body));
  });

  app.post('/v1/enrollments', async (request, reply) => {
    await operator.authenticate(request);
    const body = parseBody(BeginEnrollmentBodySchema, request.body);
    void reply.status(201);
    return enrollments.begin(body.user, body.roles);
  });
  app.get('/v1/enrollments/requests/:id', async (request) =>
    enrollments.status(idParam(request.params)),
  );
  app.post('/v1/enrollments/requests/:id/registration', async (request) =>
    enrollments.complete(idParam(request.params), request.body),
  );
  app.post('/v1/enrollments/requests/:id/id-token', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const body = parseBody(EnrollmentIdTokenBodySchema, request.body);
    return enrollments.proveWithIdToken(idParam(request.params), body.id_token);
  });
  app.post('/v1/enrollments/:credentialId/renewals', async (request, reply) => {
    const { credentialId } = request.params as { credentialId: string };
    void reply.status(201);
    return renewals.begin(credentialId);
  });
  app.post('/v1/enrollments/renewals', async (request, reply) => {
    const body = parseBody(BeginRenewalBodySchema, request.body);
    void reply.status(201);
    return renewals.beginForUser(body.user, body.credential_id);
  });
  app.get('/v1/enrollments/renewals/:id', async (request) =>
    renewals.status(idParam(request.params)),
  );
  app.post('/v1/enrollments/renewals/:id/assertion', async (request) =>
    renewals.complete(idParam(request.params), parseBody(AssertionBodySchema, request.body)),
  );
  app.delete('/v1/enrollments/:credentialId', async (request) => {
    await operator.authenticate(request);
    const { credentialId } = request.params as { credentialId: string };
    const body = parseBody(
      z.object({ reason: z.string().min(1).max(256) }).strict(),
      request.body ?? {},
    );
    return enrollments.revoke(credentialId, body.reason);
  });

  app.get('/tap/:kind/:id', async (request, reply) => {
    const { kind } = request.params as { kind: string };
    idParam(request.params);
    return sendTapPage(reply, kind === 'enroll' || kind === 'renew' ? kind : 'mint');
  });
  app.get('/tap.js', async (_request, reply) => sendTapScript(reply));
}
