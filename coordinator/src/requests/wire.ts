import type { FrostGroup, PolicyEngine } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RequesterAuthenticator } from '../auth/types.ts';
import type { CoordinatorConfig } from '../config.ts';
import { FixedQuorum } from '../signing/fixed-quorum.ts';
import type { SignerPool } from '../signing/signer-pool.ts';
import type { CoordinatorStore } from '../storage/index.ts';
import { AbuseGuard } from './abuse.ts';
import { EnrollmentService } from './enrollment.ts';
import { MintRequestService } from './mint-requests.ts';
import { RenewalService } from './renewal.ts';
import { registerRequestRoutes } from './routes.ts';

/**
 * Builds the WebAuthn request lifecycle from the coordinator's parts and returns the route
 * registration for the HTTP app, or undefined when `webauthn` is not configured.
 *
 * @example
 * ```ts
 * const extraRoutes = webauthnRoutes({ config, store, pool, frost, kid, policy, audit, log, operator });
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
}): ((app: FastifyInstance) => void) | undefined {
  const { config } = parts;
  if (!config.webauthn) return undefined;
  const now = Date.now;
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
    now,
  };
  const routes = {
    mints: new MintRequestService(ctx),
    enrollments: new EnrollmentService(ctx),
    renewals: new RenewalService(ctx),
    operator: parts.operator,
  };
  return (app) => registerRequestRoutes(app, routes);
}
