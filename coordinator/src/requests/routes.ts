import type { FastifyInstance } from 'fastify';
import type { ZodType } from 'zod';
import type { RequesterAuthenticator } from '../auth/types.ts';
import { dpopBindingOf } from '../dpop/index.ts';
import { InputJson, parseInput } from '../http/input.ts';
import { sourceAddressOf } from '../http/source-address.ts';
import type { EnrollmentService } from './enrollment.ts';
import type { MintRequestService } from './mint-requests.ts';
import { sendTapPage, sendTapScript } from './pages.ts';
import type { RenewalService } from './renewal.ts';
import {
  AssertionBodySchema,
  BeginEnrollmentBodySchema,
  BeginRenewalBodySchema,
  CredentialParamsSchema,
  EnrollmentIdTokenBodySchema,
  PrepareMintBodySchema,
  RequestParamsSchema,
  RevokeBodySchema,
  TapPageParamsSchema,
} from './schemas.ts';

/** The WebAuthn request lifecycle's HTTP surface. */
export interface RequestRoutes {
  readonly mints: MintRequestService;
  readonly enrollments: EnrollmentService;
  readonly renewals: RenewalService;
  /** Who may start (and revoke) enrollments: the enrollment operator. */
  readonly operator: RequesterAuthenticator;
}

const idParam = (params: unknown) => parseInput(RequestParamsSchema, params, 'params').id;
const credentialParam = (params: unknown) =>
  parseInput(CredentialParamsSchema, params, 'params').credentialId;
const body = <T>(schema: ZodType<T>, value: unknown) => parseInput(schema, value, 'body');

/**
 * Registers the two-step mint, the enrollment endpoints and the tap pages. `routes` is read
 * at every request: the services of the group key signing now (a key switch replaces them).
 *
 * @example
 * ```ts
 * registerRequestRoutes(app, () => ({ mints, enrollments, renewals, operator }));
 * ```
 */
export function registerRequestRoutes(app: FastifyInstance, routes: () => RequestRoutes): void {
  const mints = () => routes().mints;
  const enrollments = () => routes().enrollments;
  const renewals = () => routes().renewals;
  const operator = () => routes().operator;

  app.post('/v1/mint/requests', async (request, reply) => {
    const prepared = await mints().prepare(
      body(PrepareMintBodySchema, request.body),
      sourceAddressOf(request),
      dpopBindingOf(request),
    );
    void reply.status(201);
    return prepared;
  });
  app.get('/v1/mint/requests/:id', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return mints().status(idParam(request.params));
  });
  app.post('/v1/mint/requests/:id/assertion', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return mints().complete(idParam(request.params), body(AssertionBodySchema, request.body));
  });

  app.post('/v1/enrollments', async (request, reply) => {
    await operator().authenticate(request);
    const begin = body(BeginEnrollmentBodySchema, request.body);
    void reply.status(201);
    return enrollments().begin(begin.user, begin.roles);
  });
  app.get('/v1/enrollments/requests/:id', async (request) =>
    enrollments().status(idParam(request.params)),
  );
  app.post('/v1/enrollments/requests/:id/registration', async (request) =>
    enrollments().complete(idParam(request.params), body(InputJson, request.body)),
  );
  app.post('/v1/enrollments/requests/:id/id-token', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const { id_token } = body(EnrollmentIdTokenBodySchema, request.body);
    return enrollments().proveWithIdToken(idParam(request.params), id_token);
  });
  app.post('/v1/enrollments/:credentialId/renewals', async (request, reply) => {
    const credentialId = credentialParam(request.params);
    void reply.status(201);
    return renewals().begin(credentialId);
  });
  app.post('/v1/enrollments/renewals', async (request, reply) => {
    const renew = body(BeginRenewalBodySchema, request.body);
    void reply.status(201);
    return renewals().beginForUser(renew.user, renew.credential_id);
  });
  app.get('/v1/enrollments/renewals/:id', async (request) =>
    renewals().status(idParam(request.params)),
  );
  app.post('/v1/enrollments/renewals/:id/assertion', async (request) =>
    renewals().complete(idParam(request.params), body(AssertionBodySchema, request.body)),
  );
  app.delete('/v1/enrollments/:credentialId', async (request) => {
    await operator().authenticate(request);
    const credentialId = credentialParam(request.params);
    const { reason } = body(RevokeBodySchema, request.body ?? {});
    return enrollments().revoke(credentialId, reason);
  });

  app.get('/tap/:kind/:id', async (request, reply) => {
    const { kind } = parseInput(TapPageParamsSchema, request.params, 'params');
    return sendTapPage(reply, kind);
  });
  app.get('/tap.js', async (_request, reply) => sendTapScript(reply));
}
