import {
  decideLifetime,
  decisionLogFields,
  ForbiddenError,
  mintPolicyInput,
  type PolicyDecision,
  type PolicyEngine,
  type PolicyInput,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Metrics } from '../metrics.ts';
import type { MintAttestation, MintAttestationFacts } from '../mint-attestation.ts';
import type { MintBody } from '../mint-body.ts';
import { auditDenial } from './record.ts';
import type { RequesterIdentity } from './token.ts';

/** The policy reason of a mint that guardians can still allow. */
export const APPROVALS_MISSING = 'approvals_missing';

/**
 * The one rule for "only approvals are missing": a denial whose every reason is
 * `approvals_missing` waits for guardians (when the flow can wait); any other reason denies.
 *
 * @example
 * ```ts
 * if (onlyApprovalsMissing(decision)) return park(request);
 * ```
 */
export function onlyApprovalsMissing(decision: PolicyDecision): boolean {
  return (
    !decision.allow &&
    decision.reasons.length > 0 &&
    decision.reasons.every((r) => r === APPROVALS_MISSING)
  );
}

/** `policy_denied` (403), with the policy's reasons for the request's record. */
export class PolicyDeniedError extends ForbiddenError {
  constructor(readonly reasons: readonly string[]) {
    super('policy_denied', `policy denies this mint: ${reasons.join(', ')}`);
  }
}

/** Options of {@link MintAuthorizer}. */
export interface MintAuthorizerOptions {
  /** The policy in force (it can change between mints: see `PolicyRollout`). */
  readonly policy: { readonly current: PolicyEngine };
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly metrics?: Metrics | undefined;
  /** Signer and requester attestation; without it neither verdict is policy input. */
  readonly attestation?: MintAttestation | undefined;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
}

/** What authorizing a request decided. */
export interface Authorization {
  /** The policy that decided (the token's `frostmint.policy`). */
  readonly policy: PolicyEngine;
  /** The lifetime to issue, seconds. */
  readonly ttl: number;
  readonly decision: PolicyDecision;
  /** The attestation facts the decision saw. */
  readonly attested: MintAttestationFacts | undefined;
  /** Policy allows the mint once guardians approve it (only when the flow can wait). */
  readonly awaitsApprovals: boolean;
}

/** What a request is authorized in: when, with which approvals, and whether it may wait. */
export interface AuthorizeContext {
  /** Unix seconds: the token's `iat`, and what requester attestation binds to. */
  readonly now: number;
  /** Kids of the guardians whose approvals verified. */
  readonly approvals?: readonly string[];
  /** Whether missing approvals may make the request wait instead of denying it. */
  readonly mayWait: boolean;
  /** The policy to decide with (default: the one in force now). */
  readonly policy?: PolicyEngine;
  /**
   * The requester's address (`request.source_address`; see `http/source-address.ts`): of
   * the request that asked, also when a later call finishes it (a poll, a tap); `null` for a
   * request stored before addresses were recorded (no `source_cidrs` range admits it).
   */
  readonly sourceAddress: string | null;
}

/**
 * Step 3 of the mint pipeline (authorize), the same for every front end: gathers the
 * attestation facts (signers' quorum verdict, the requester's evidence), builds the ONE
 * policy input, picks the lifetime (`decideLifetime`), logs the decision, and on a denial
 * writes the audit entry and the `frostmint_policy_denials_total` metric before throwing
 * `policy_denied` (or the attestation error that explains it).
 *
 * @example
 * ```ts
 * const { ttl, decision, awaitsApprovals } = await authorizer.authorize(requester, body, { now, mayWait: true, sourceAddress });
 * ```
 */
export class MintAuthorizer {
  constructor(private readonly options: MintAuthorizerOptions) {}

  /** The policy in force now. */
  get policy(): PolicyEngine {
    return this.options.policy.current;
  }

  /**
   * Authorizes `request` for `requester`; see the class comment.
   *
   * @example
   * ```ts
   * const auth = await authorizer.authorize(requester, { ...body, ttl }, { now, approvals: approvedBy, mayWait: false, sourceAddress });
   * ```
   */
  async authorize(
    requester: RequesterIdentity,
    request: MintBody,
    context: AuthorizeContext,
  ): Promise<Authorization> {
    const policy = context.policy ?? this.policy;
    const attested = await this.options.attestation?.facts(
      request.attestation,
      { subject: requester.subject, audience: request.audience, scopes: request.scope },
      context.now,
    );
    const decide = (ttl: number) => {
      const input = this.policyInput(requester.policy, request, {
        ttl,
        now: context.now,
        approvals: context.approvals ?? [],
        attested,
        dpopBound: requester.dpop !== undefined,
        sourceAddress: context.sourceAddress,
      });
      const decision = policy.evaluate(input);
      this.options.log.info(
        { decision: decisionLogFields(policy.id, input, decision) },
        'policy decision',
      );
      return decision;
    };
    const { ttl, decision } = decideLifetime(decide, {
      requested: request.ttl,
      defaultTtl: this.options.defaultTtlSeconds,
      maxTtl: this.options.maxTtlSeconds,
    });
    const awaitsApprovals = context.mayWait && onlyApprovalsMissing(decision);
    if (!decision.allow && !awaitsApprovals) {
      this.options.log.info(
        { sub: requester.subject, scope: request.scope, reasons: decision.reasons },
        'mint denied',
      );
      await auditDenial(this.options.audit, {
        sub: requester.subject,
        aud: request.audience,
        scope: request.scope.join(' '),
        policy: policy.id,
        reasons: decision.reasons,
      });
      for (const reason of decision.reasons)
        this.options.metrics?.policyDenials.inc({ reason: reason.split(':')[0] });
      const unavailable = this.options.attestation?.unavailable(decision);
      if (unavailable) throw unavailable;
      throw new PolicyDeniedError(decision.reasons);
    }
    return { policy, ttl, decision, attested, awaitsApprovals };
  }

  /**
   * The one policy input of a mint: requester, request (with the requester's address),
   * lifetime, approvals, time and the attestation facts (signers' and requester's).
   *
   * @example
   * ```ts
   * const input = authorizer.policyInput(requester.policy, body, { ttl: 600, now, approvals: [], attested, sourceAddress: '10.1.2.3' });
   * ```
   */
  policyInput(
    requester: PolicyInput['requester'],
    request: Pick<MintBody, 'scope' | 'audience' | 'justification'>,
    t: {
      ttl: number;
      now: number;
      approvals: readonly string[];
      attested: MintAttestationFacts | undefined;
      /** The token will carry `cnf.jkt` (RFC 9449): policy input `dpop_bound`. */
      dpopBound?: boolean;
      /** Policy input `request.source_address` (see {@link AuthorizeContext.sourceAddress}). */
      sourceAddress: string | null;
    },
  ): PolicyInput {
    const { attested } = t;
    return mintPolicyInput({
      requester,
      scopes: request.scope,
      audience: request.audience,
      ttl: t.ttl,
      ...(request.justification === undefined ? {} : { justification: request.justification }),
      approvals: [...t.approvals],
      now: t.now,
      dpopBound: t.dpopBound === true,
      sourceAddress: t.sourceAddress,
      ...(attested?.signerAttestation ? { signerAttestation: attested.signerAttestation } : {}),
      ...(attested?.requesterAttestation
        ? { requesterAttestation: attested.requesterAttestation }
        : {}),
    });
  }

  /** Which signers may sign under `decision` (undefined: any healthy one). */
  eligibility(decision: PolicyDecision): ((id: number) => boolean) | undefined {
    return this.options.attestation?.eligibility(decision);
  }
}
