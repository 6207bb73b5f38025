import {
  type MintApprovalWire,
  type OidcVerifier,
  type PolicyEngine,
  UnavailableError,
  type WebAuthnConfig,
} from '@frostmint/core';
import { type Evidence, SigningPurpose } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { ApprovalStage } from '../approvals/gate.ts';
import { approvalToProto } from '../approvals/proto.ts';
import type { AuditLog, SigningFacts } from '../audit/audit-log.ts';
import { evidenceDigests, signedDigests } from '../audit/entry-digests.ts';
import type { Metrics } from '../metrics.ts';
import type { MintPipeline } from '../mint/pipeline.ts';
import type { TokenSigner } from '../signing/round-driver.ts';
import type { SignerPool } from '../signing/signer-pool.ts';
import type { CoordinatorStore } from '../storage/index.ts';
import type { AbuseGuard } from './abuse.ts';

/** What the WebAuthn request lifecycle (enrollment and mint) works with. */
export interface RequestContext {
  readonly kid: string;
  /** 32-byte group public key (enrollment certificates are checked against it). */
  readonly groupKey: Uint8Array;
  readonly threshold: number;
  readonly webauthn: WebAuthnConfig;
  readonly clockSkewSeconds: number;
  readonly store: CoordinatorStore;
  readonly pool: SignerPool;
  /** The mint pipeline (check, authorize, sign, record) the two-step mint runs on. */
  readonly pipeline: MintPipeline;
  /** The one round driver: certificates are signed by the signer set fixed at `begin`. */
  readonly driver: TokenSigner;
  /** The policy in force (enrollment decisions; read live). */
  readonly policy: PolicyEngine;
  readonly audit: AuditLog;
  readonly abuse: AbuseGuard;
  readonly log: Logger;
  /** `frostmint_mints_total{outcome}` and `frostmint_policy_denials_total{reason}`. */
  readonly metrics?: Metrics;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /**
   * Guardian approvals (the same lifecycle as one-step mints); absent when the group has no
   * guardians, and then mints needing approvals are denied outright.
   */
  readonly approvals?: ApprovalStage;
  /**
   * The IdP whose login proves an enrollment (`enrollmentIdp`): verified here first, then by
   * every signer against its own configuration. Absent: only guardian approvals prove one.
   */
  readonly enrollmentIdp?: EnrollmentIdp;
}

/** The enrollment IdP as the coordinator uses it: verifier, and what the CLI logs in to. */
export interface EnrollmentIdp {
  readonly verifier: OidcVerifier;
  readonly issuer: string;
  /** The OIDC client id of the CLI (the ID token's `aud`). */
  readonly clientId: string;
}

export type { ApprovalStage };

/**
 * The signer set of a new request: the first `threshold` healthy signers (among those
 * `eligible`, when policy requires attested signers), ascending. A prepared request names
 * them (the tap approves exactly that message), so it is chosen now.
 *
 * @example
 * ```ts
 * const signers = pickSigners(ctx); // e.g. [1, 3]
 * ```
 */
export function pickSigners(
  ctx: Pick<RequestContext, 'pool' | 'threshold'>,
  eligible: (id: number) => boolean = () => true,
): number[] {
  const candidates = ctx.pool.candidates().filter(eligible);
  if (candidates.length < ctx.threshold) {
    throw new UnavailableError(
      'quorum_unavailable',
      `only ${candidates.length} signer(s) are healthy; ${ctx.threshold} are needed. Check /readyz and retry.`,
    );
  }
  return candidates.slice(0, ctx.threshold).sort((a, b) => a - b);
}

/** The page where the engineer taps, e.g. `https://frostmint.example/tap/mint/<id>`. */
export function tapUrl(
  ctx: Pick<RequestContext, 'webauthn'>,
  kind: 'mint' | 'enroll' | 'renew',
  id: string,
) {
  return new URL(`/tap/${kind}/${id}`, ctx.webauthn.origins[0]).href;
}

/**
 * Has exactly `signers` sign an enrollment certificate (an enrollment's or a renewal's)
 * through the one round driver: the first failure of a named signer ends the signing.
 *
 * @example
 * ```ts
 * const signature = await signCertificate(ctx, { requestId: id, signers, message, evidence });
 * ```
 */
export async function signCertificate(
  ctx: Pick<RequestContext, 'driver'>,
  s: {
    readonly requestId: string;
    readonly signers: readonly number[];
    readonly message: Uint8Array;
    readonly evidence: Evidence;
    readonly approvals?: readonly MintApprovalWire[];
  },
): Promise<Uint8Array> {
  const { signature } = await ctx.driver.sign({
    requestId: s.requestId,
    signers: s.signers,
    messageFor: () => s.message,
    evidence: s.evidence,
    purpose: SigningPurpose.SIGNING_PURPOSE_ENROLLMENT,
    approvals: (s.approvals ?? []).map(approvalToProto),
  });
  return signature;
}

/**
 * The signing facts of an enrollment certificate's audit entry: hashes of the certificate as
 * delivered and of its signing input, the evidence digest, the approving guardians.
 *
 * @example
 * ```ts
 * await ctx.audit.record({ type: 'enrollment', ...fields, ...certificateFacts(certificate, message, evidence) });
 * ```
 */
export function certificateFacts(
  certificate: Uint8Array,
  message: Uint8Array,
  evidence: Evidence,
  approvals: readonly MintApprovalWire[] = [],
): SigningFacts {
  return {
    ...signedDigests(certificate, message),
    evidence: evidenceDigests(evidence),
    approvals: approvals.map((a) => a.guardianKid),
  };
}
