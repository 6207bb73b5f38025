import { type GroupJwk, inSpan, NotFoundError } from '@frostmint/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApprovalGate } from '../approvals/gate.ts';
import { registerApprovalRoutes } from '../approvals/routes.ts';
import type { RequesterAuthenticator } from '../auth/types.ts';
import { MintDpop } from '../dpop/index.ts';
import { groupMissing } from '../keys/live-group.ts';
import type { Metrics } from '../metrics.ts';
import { instrumentHttp, timeMint } from '../metrics-http.ts';
import type { MintService } from '../mint/one-step.ts';
import type { PolledMints } from '../mint/polled.ts';
import { OneStepMintBodySchema } from '../mint-body.ts';
import type { PolicyRollout } from '../policy/rollout.ts';
import type { SignerAttestations } from '../signing/signer-attestations.ts';
import type { SignerPool } from '../signing/signer-pool.ts';
import type { StoreHealth } from '../storage/index.ts';
import { type AuditRoutesOptions, registerAuditRoutes } from './audit-routes.ts';
import { notFound, replyWithError } from './errors.ts';
import type { HttpsIdentity } from './https.ts';
import { checkRequestText, parseInput } from './input.ts';
import { registerMetadataRoutes } from './metadata.ts';
import { registerOpenApiRoute } from './openapi/route.ts';
import { registerPolicyRoutes } from './policy-routes.ts';
import { requestIdOptions, traceRequests } from './request-trace.ts';
import { trackRoutes } from './route-table.ts';
import { SourceAddresses, sourceAddressOf } from './source-address.ts';

export interface CoordinatorAppOptions {
  readonly issuer: string;
  readonly log: Logger;
  /** The signers of the key signing now (their health is part of `/readyz`). */
  readonly pool: Pick<SignerPool, 'status' | 'candidates'>;
  readonly authenticator: RequesterAuthenticator;
  readonly metrics: Metrics;
  /** Policy status and guardian-approved bundle updates (`/v1/policy`). */
  readonly policy?: PolicyRollout;
  /** The store's health (disk headroom, backend, fsync), part of `/readyz`. */
  readonly store?: Pick<StoreHealth, 'status'>;
  /** Per-signer SEV-SNP attestation, shown in `/readyz`. */
  readonly attestations?: Pick<SignerAttestations, 'status'>;
  /**
   * Undefined until a group key exists (before DKG): mints answer 503 `group_missing`. A
   * function is read at every request: the group the replica signs with now (key lifecycle).
   */
  readonly group?: CoordinatorAppGroup | (() => CoordinatorAppGroup | undefined);
  /** More routes (the WebAuthn request lifecycle, coordinator/src/requests). */
  readonly extraRoutes?: (app: FastifyInstance) => void;
  /** Serve HTTPS with this certificate and key (see ./https.ts); plain HTTP when absent. */
  readonly https?: HttpsIdentity;
  /** DPoP at the mint endpoint. Default: verified against `issuer` with 30 s skew. */
  readonly dpop?: MintDpop;
  /** CIDR ranges whose `X-Forwarded-For` is believed (see ./source-address.ts); default none. */
  readonly trustedProxies?: readonly string[];
  /** Receipts and the tlog-tiles of the audit log (`/v1/audit/receipts`, `/audit/…`). */
  readonly audit?: AuditRoutesOptions;
}

/** The group the API mints with. */
export interface CoordinatorAppGroup {
  jwk: GroupJwk;
  /** Every key the JWKS publishes across a rotation (current, next, retired); `[jwk]` when absent. */
  jwks?: { keys(): GroupJwk[] };
  threshold: number;
  mints: MintService;
  /** The approval gate (guardians' API) and the polled mints waiting at it. */
  approvals?: { gate: ApprovalGate; polled: PolledMints };
}

/**
 * The coordinator's HTTP API: `POST /v1/mint`, the JWKS and discovery documents, and
 * health endpoints.
 *
 * @example
 * ```ts
 * const app = buildCoordinatorApp({ issuer, log, pool, authenticator, group });
 * await app.listen({ host: '127.0.0.1', port: 8443 });
 * ```
 */
export function buildCoordinatorApp(options: CoordinatorAppOptions): FastifyInstance {
  const { issuer, pool, authenticator } = options;
  const groupNow =
    typeof options.group === 'function'
      ? options.group
      : () => options.group as CoordinatorAppGroup | undefined;
  /** The group signing now; 503 `group_missing` before the DKG. */
  const signingGroup = (): CoordinatorAppGroup => {
    const group = groupNow();
    if (!group) throw groupMissing();
    return group;
  };
  // The HTTPS instance serves the same routes; only the listener differs.
  const app = Fastify({
    ...requestIdOptions(),
    loggerInstance: options.log as FastifyBaseLogger,
    bodyLimit: 16 * 1024,
    // A WebAuthn credential id (a route parameter) may be 1023 bytes: 1364 base64url chars.
    routerOptions: { maxParamLength: 1400 },
    // Bad URL encoding and the like answer in the API's error shape too.
    frameworkErrors: replyWithError,
    ...(options.https ? { https: options.https } : {}),
  }) as FastifyInstance;
  trackRoutes(app);
  traceRequests(app);
  instrumentHttp(app, options.metrics);
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler(notFound(app));
  // JSON is the only body the API takes: anything else is 415 `unsupported_media_type`.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', async (request) => checkRequestText(request));
  new SourceAddresses(options.trustedProxies ?? []).register(app);
  const dpop = options.dpop ?? new MintDpop({ issuer });
  dpop.register(app);
  if (options.policy) registerPolicyRoutes(app, options.policy);
  options.extraRoutes?.(app);

  registerApprovalRoutes(app, () => {
    const { approvals } = signingGroup();
    if (!approvals) throw new NotFoundError('not_found', 'the group key has no guardians');
    return approvals;
  });
  if (options.audit) registerAuditRoutes(app, options.audit);

  app.post('/v1/mint', async (request, reply) => {
    const group = signingGroup();
    let wait: number | undefined;
    const minted = await timeMint(options.metrics, async () => {
      const requester = await inSpan('mint.authenticate', async () =>
        dpop.bind(await authenticator.authenticate(request), request),
      );
      const { wait_for_receipt, ...body } = parseInput(OneStepMintBodySchema, request.body, 'body');
      wait = wait_for_receipt;
      return group.mints.mint(requester, body, sourceAddressOf(request));
    });
    if ('request_id' in minted) return reply.status(202).send(minted);
    if (wait === undefined) return minted;
    // The token is minted and logged: a receipt that cannot be had is null, never an error.
    const receipt = await options.audit?.receipts
      .awaitReceipt(minted.jti, wait * 1000)
      .catch((err: unknown) => {
        request.log.error({ code: (err as { code?: string }).code }, 'receipt wait failed');
        return null;
      });
    return { ...minted, receipt: receipt ?? null };
  });

  registerMetadataRoutes(app, { issuer }, () => {
    const group = groupNow();
    return group ? (group.jwks?.keys() ?? [group.jwk]) : [];
  });
  registerOpenApiRoute(app, { issuer });

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const signers = pool.status();
    const available = pool.candidates().length;
    const store = options.store?.status();
    const group = groupNow();
    const ready =
      group !== undefined && available >= group.threshold && (store === undefined || store.ok);
    void reply.status(ready ? 200 : 503);
    return {
      ready,
      kid: group?.jwk.kid ?? null,
      available_signers: available,
      signers,
      ...(store ? { store } : {}),
      ...(options.attestations ? { signer_attestation: options.attestations.status() } : {}),
    };
  });

  return app;
}
