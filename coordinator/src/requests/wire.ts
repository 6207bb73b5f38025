import { type FrostGroup, jwksEventLogger, OidcVerifier, type PolicyEngine } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { PendingMints } from '../approvals/pending-mints.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RequesterAuthenticator } from '../auth/types.ts';
import type { CoordinatorConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { FixedQuorum } from '../signing/fixed-quorum.ts';
import type { SignerPool } from '../signing/signer-pool.ts';
import type { CoordinatorStore } from '../storage/index.ts';
import { AbuseGuard } from './abuse.ts';
import { EnrollmentService } from './enrollment.ts';
import { MintRequestService } from './mint-requests.ts';
import { RenewalService } from './renewal.ts';
import { registerRequestRoutes } from './routes.ts';

/** How often expired challenges, rate-limit windows and overdue requests are swept. */
const SWEEP_INTERVAL_MS = 60_000;

/** The WebAuthn request lifecycle, wired: its routes and its periodic sweep. */
export interface WebAuthnLifecycle {
  readonly register: (app: FastifyInstance) => void;
  /** Stops the sweep. */
  close(): void;
}

/**
 * Builds the WebAuthn request lifecycle from the coordinator's parts: the route
 * registration for the HTTP app and a sweep (every minute) of expired challenges, replay
 * entries, rate-limit windows and overdue requests. Undefined when `webauthn` is not
 * configured.
 *
 * @example
 * ```ts
 * const webauthn = webauthnRoutes({ config, store, pool, frost, kid, policy, audit, log, operator });
 * ```
 */
export function webauthnRoutes(parts: {
  config: CoordinatorConfig;
  store: CoordinatorStore;
  pool: SignerPool;
  frost: FrostGroup;
  kid: string;
  threshold: number;
  policy: PolicyEngine;
  audit: AuditLog;
  log: Logger;
  operator: RequesterAuthenticator;
  metrics?: Metrics;
  /** Guardian approvals; without them mints needing approvals are denied. */
  approvals?: PendingMints;
}): WebAuthnLifecycle | undefined {
  const { config } = parts;
  if (!config.webauthn) return undefined;
  const now = Date.now;
  const idp = config.enrollmentIdp;
  const enrollmentIdp = idp && {
    verifier: new OidcVerifier(idp, { onEvent: jwksEventLogger(parts.log) }),
    issuer: idp.issuers[0]!.issuer,
    clientId: idp.issuers[0]!.audience,
  };
  const ctx = {
    issuer: config.issuer,
    kid: parts.kid,
    groupKey: parts.frost.publicKey.groupKey,
    threshold: parts.threshold,
    webauthn: config.webauthn,
    defaultTtlSeconds: config.defaultTtlSeconds,
    maxTtlSeconds: config.maxTtlSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    store: parts.store,
    pool: parts.pool,
    quorum: new FixedQuorum(parts.pool, parts.frost, parts.log),
    policy: parts.policy,
    audit: parts.audit,
    abuse: new AbuseGuard(parts.store, config.abuse, now),
    log: parts.log,
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
    ...(parts.approvals ? { approvals: parts.approvals } : {}),
    ...(enrollmentIdp ? { enrollmentIdp } : {}),
    now,
  };
  const routes = {
    mints: new MintRequestService(ctx),
    enrollments: new EnrollmentService(ctx),
    renewals: new RenewalService(ctx),
    operator: parts.operator,
  };
  parts.approvals?.onEnoughApprovals((id) => routes.mints.approvalsComplete(id));
  parts.approvals?.onEnoughApprovals((id) => routes.enrollments.approvalsComplete(id));
  const sweep = async () => {
    await parts.store.sweepExpired();
    await parts.store.mintRequests.expireOverdue();
  };
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => parts.log.warn({ err }, 'sweep of expired state failed'));
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    register: (app) => registerRequestRoutes(app, routes),
    close: () => {
      clearInterval(timer);
      enrollmentIdp?.verifier.close();
    },
  };
}
