import { type FrostGroup, jwksEventLogger, OidcVerifier, type PolicyEngine } from '@frostmint/core';
import type { Logger } from 'pino';
import type { ApprovalStage } from '../approvals/gate.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RequesterAuthenticator } from '../auth/types.ts';
import type { CoordinatorConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { MintPipeline } from '../mint/pipeline.ts';
import type { TokenSigner } from '../signing/round-driver.ts';
import type { SignerPool } from '../signing/signer-pool.ts';
import type { CoordinatorStore } from '../storage/index.ts';
import { AbuseGuard } from './abuse.ts';
import { ApprovedTaps } from './approved-requests.ts';
import type { RequestContext } from './context.ts';
import { EnrollmentService } from './enrollment.ts';
import { MintRequestService } from './mint-requests.ts';
import { RenewalService } from './renewal.ts';
import type { RequestRoutes } from './routes.ts';

/** The coordinator's parts every request flow is wired from. */
export interface FlowParts {
  readonly config: CoordinatorConfig;
  readonly store: CoordinatorStore;
  readonly pool: SignerPool;
  readonly frost: FrostGroup;
  /** The group key's id (RFC 7638 thumbprint). */
  readonly kid: string;
  readonly threshold: number;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** Who may start enrollments. */
  readonly operator: RequesterAuthenticator;
  readonly metrics?: Metrics;
}

/** The WebAuthn request flows (two-step mint, enrollment, renewal), wired. */
export interface WebAuthnFlows {
  /** What the approval gate does with a two-step mint or enrollment once approved. */
  readonly approved: ApprovedTaps;
  /**
   * The services the request routes serve from, with the approval gate (`approvals`;
   * without it requests needing approvals are denied).
   */
  routes(approvals: ApprovalStage | undefined): RequestRoutes;
  /** Stops the enrollment IdP's key refresh. */
  close(): void;
}

/**
 * Builds the WebAuthn request flows from the coordinator's parts: the two-step mint runs on
 * the mint pipeline, enrollments and renewals sign through the same round driver.
 * Undefined when `webauthn` is not configured. (Background sweeps are not started here:
 * see `jobs.ts`.)
 *
 * @example
 * ```ts
 * const flows = webauthnFlows({ config, store, pool, frost, kid, threshold, pipeline, driver, policy, audit, log, operator });
 * const routes = flows.routes(gate);
 * registerRequestRoutes(app, () => routes);
 * ```
 */
export function webauthnFlows(
  parts: FlowParts & {
    pipeline: MintPipeline;
    driver: TokenSigner;
    /** The policy in force, read live (enrollment decisions). */
    policy: PolicyEngine;
  },
): WebAuthnFlows | undefined {
  const { config } = parts;
  if (!config.webauthn) return undefined;
  const now = Date.now;
  const idp = config.enrollmentIdp;
  const enrollmentIdp = idp && {
    verifier: new OidcVerifier(idp, { onEvent: jwksEventLogger(parts.log) }),
    issuer: idp.issuers[0]!.issuer,
    clientId: idp.issuers[0]!.audience,
  };
  const ctx: RequestContext = {
    kid: parts.kid,
    groupKey: parts.frost.publicKey.groupKey,
    threshold: parts.threshold,
    webauthn: config.webauthn,
    clockSkewSeconds: config.clockSkewSeconds,
    store: parts.store,
    pool: parts.pool,
    pipeline: parts.pipeline,
    driver: parts.driver,
    policy: parts.policy,
    audit: parts.audit,
    abuse: new AbuseGuard(parts.store, config.abuse, now),
    log: parts.log,
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
    ...(enrollmentIdp ? { enrollmentIdp } : {}),
    now,
  };
  return {
    approved: new ApprovedTaps(ctx),
    routes: (approvals) => {
      const withGate: RequestContext = approvals ? { ...ctx, approvals } : ctx;
      return {
        mints: new MintRequestService(withGate),
        enrollments: new EnrollmentService(withGate),
        renewals: new RenewalService(withGate),
        operator: parts.operator,
      };
    },
    close: () => enrollmentIdp?.verifier.close(),
  };
}
