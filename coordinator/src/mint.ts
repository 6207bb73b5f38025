import { randomBytes } from 'node:crypto';
import {
  type ApprovalRelyingParty,
  compactJws,
  decideLifetime,
  decisionLogFields,
  ForbiddenError,
  type GuardianKey,
  InvalidRequestError,
  type MintApprovalWire,
  mintPolicyInput,
  type PolicyDecision,
  type PolicyEngine,
  signingInput,
  type TokenClaims,
  verifyMintApprovals,
} from '@frostmint/core';
import type { Logger } from 'pino';
import { approvalToProto } from './approvals/proto.ts';
import type { PendingMint, PendingMintSink } from './approvals/types.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { Requester } from './auth/types.ts';
import type { Metrics } from './metrics.ts';
import type { MintAttestation, MintAttestationFacts } from './mint-attestation.ts';
import type { MintBody } from './mint-body.ts';
import type { TokenSigner } from './signing/round-driver.ts';

const APPROVALS_MISSING = 'approvals_missing';

export { type MintBody, MintBodySchema } from './mint-body.ts';

/** Answer of a successful mint. */
export interface MintResponse {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: number;
  jti: string;
}

export interface MintServiceOptions {
  readonly issuer: string;
  readonly kid: string;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly driver: TokenSigner;
  /** The policy in force (it can change between mints: see `PolicyRollout`). */
  readonly policy: { readonly current: PolicyEngine };
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Every mint and denial is recorded here before the answer goes out. */
  readonly audit: AuditLog;
  readonly now?: () => number;
  /** Signer and requester attestation; without it neither verdict is policy input. */
  readonly attestation?: MintAttestation;
  /**
   * Where a mint waits when policy's only objection is missing guardian approvals; without
   * it such a mint is denied (`policy_denied: approvals_missing`).
   */
  readonly pending?: PendingMintSink;
  /**
   * Throws `store_unavailable` when the store cannot take writes (disk full): checked
   * before signing, so no token is signed that could not be audited.
   */
  readonly assertStoreWritable?: () => void;
}

/** The mint a pending request resumes with once approved (see `coordinator/src/approvals`). */
export interface ApprovedMint {
  readonly jti: string;
  readonly ttl: number;
  readonly approvals: readonly MintApprovalWire[];
  /** The guardians of the group configuration, to verify `approvals` against. */
  readonly guardians: readonly GuardianKey[];
  /** The coordinator's WebAuthn relying party, for WebAuthn approvals. */
  readonly rp?: ApprovalRelyingParty | undefined;
}

/**
 * Builds the exact token (RFC 9068 header and claims) and has the quorum sign it.
 *
 * @example
 * ```ts
 * const minted = await mints.mint(requester, { scope: ['deploy:canary'], audience: 'deploy-api' });
 * ```
 */
/**
 * Builds the exact token (RFC 9068 header and claims) and has the quorum sign it.
 *
 * @example
 * ```ts
 * const minted = await mints.mint(requester, { scope: ['deploy:canary'], audience: 'deploy-api' });
 * ```
 */
export class MintService {
  constructor(private readonly options: MintServiceOptions) {}

  async mint(requester: Requester, request: MintBody): Promise<MintResponse | PendingMint> {
    const { maxTtlSeconds, pending } = this.options;
    if (request.ttl !== undefined && request.ttl > maxTtlSeconds) {
      throw new ForbiddenError(
        'ttl_too_long',
        `ttl ${request.ttl} s exceeds this deployment's ${maxTtlSeconds} s cap`,
      );
    }
    if (new Set(request.scope).size !== request.scope.length) {
      throw new InvalidRequestError('scope_invalid', 'scope lists a scope twice');
    }
    // One policy for the whole mint: the decision and the token's `frostmint.policy` agree.
    const policy = this.options.policy.current;
    const iat = this.#now();
    const jti = randomBytes(16).toString('base64url');
    const attested = await this.#attested(requester, request, iat);
    const { ttl, decision, awaitsApprovals } = await this.#authorize(policy, requester, request, {
      now: iat,
      attested,
      approvals: [],
      mayWait: !!pending,
    });
    if (awaitsApprovals && pending) {
      const claims = this.#claims(policy, requester, request, { jti, ttl, iat, signers: [] });
      const waiting = await pending.create({
        requester,
        request,
        header: this.#header(),
        claims,
        decision: awaitsApprovals,
      });
      await requester.spend?.();
      return waiting;
    }
    return this.#sign(policy, requester, request, {
      jti,
      ttl,
      iat,
      approvals: [],
      approvedBy: [],
      attested,
      decision,
    });
  }

  /**
   * Mints a request that waited for guardian approvals: the approvals are verified against
   * the group's guardians, policy is evaluated again with them (the signers will do the
   * same), and the token gets fresh times. Throws `approval_*` or `policy_denied`.
   *
   * @example
   * ```ts
   * const minted = await mints.mintApproved(requester, body, { jti, ttl, approvals, guardians });
   * ```
   */
  async mintApproved(
    requester: Requester,
    request: MintBody,
    approved: ApprovedMint,
  ): Promise<MintResponse> {
    const policy = this.options.policy.current;
    const iat = this.#now();
    const { jti, ttl } = approved;
    const probe = this.#claims(policy, requester, request, { jti, ttl, iat, signers: [1] });
    const approvedBy = await verifyMintApprovals(
      approved.approvals,
      this.#header(),
      probe,
      approved.guardians,
      iat,
      approved.rp,
    );
    const attested = await this.#attested(requester, request, iat);
    const { decision } = await this.#authorize(
      policy,
      requester,
      { ...request, ttl },
      { now: iat, attested, approvals: approvedBy, mayWait: false },
    );
    return this.#sign(policy, requester, request, {
      jti,
      ttl,
      iat,
      approvals: approved.approvals,
      approvedBy,
      attested,
      decision,
    });
  }

  #now(): number {
    return Math.floor((this.options.now ?? Date.now)() / 1000);
  }

  #header() {
    return { alg: 'EdDSA', typ: 'at+jwt', kid: this.options.kid } as const;
  }

  #attested(
    requester: Requester,
    request: MintBody,
    now: number,
  ): Promise<MintAttestationFacts | undefined> {
    return (
      this.options.attestation?.facts(
        request.attestation,
        { subject: requester.subject, audience: request.audience, scopes: request.scope },
        now,
      ) ?? Promise.resolve(undefined)
    );
  }

  #claims(
    policy: PolicyEngine,
    requester: Requester,
    request: MintBody,
    t: { jti: string; ttl: number; iat: number; signers: number[]; approvedBy?: string[] },
  ): TokenClaims {
    return {
      iss: this.options.issuer,
      sub: requester.subject,
      aud: request.audience,
      scope: request.scope.join(' '),
      iat: t.iat,
      nbf: t.iat,
      exp: t.iat + t.ttl,
      jti: t.jti,
      client_id: requester.clientId,
      amr: requester.amr,
      frostmint: {
        signers: t.signers,
        policy: policy.id,
        ...(t.approvedBy?.length ? { approvals: t.approvedBy } : {}),
      },
    };
  }

  async #sign(
    policy: PolicyEngine,
    requester: Requester,
    request: MintBody,
    t: {
      jti: string;
      ttl: number;
      iat: number;
      approvals: readonly MintApprovalWire[];
      approvedBy: string[];
      attested: MintAttestationFacts | undefined;
      decision: PolicyDecision;
    },
  ): Promise<MintResponse> {
    const { jti, ttl, iat, attested } = t;
    const header = this.#header();
    this.options.assertStoreWritable?.();
    const signed = await this.options.driver.sign({
      requestId: jti,
      evidence: requester.evidence,
      approvals: t.approvals.map(approvalToProto),
      ...(attested?.requesterEvidence ? { requesterAttestation: attested.requesterEvidence } : {}),
      ...withEligible(this.options.attestation?.eligibility(t.decision)),
      messageFor: (signers) =>
        Buffer.from(
          signingInput(header, this.#claims(policy, requester, request, { ...t, signers })),
          'latin1',
        ),
    });
    await requester.spend?.();
    await this.options.audit.record({
      type: 'mint',
      jti,
      sub: requester.subject,
      aud: request.audience,
      scope: request.scope.join(' '),
      exp: iat + ttl,
      policy: policy.id,
      signers: signed.signers,
    });
    this.options.metrics?.mints.inc({ outcome: 'ok' });
    return {
      token: compactJws(Buffer.from(signed.message).toString('latin1'), signed.signature),
      token_type: 'Bearer',
      expires_in: ttl,
      expires_at: iat + ttl,
      jti,
    };
  }

  /**
   * Evaluates policy for the request (with the guardians in `approvals` as approvers) and
   * returns the lifetime to issue: the requested one, or without a request the default
   * lowered to the policy's maximum. When `mayWait` and missing approvals are policy's only
   * objection, returns the decision as `awaitsApprovals` instead of refusing. Throws
   * `policy_denied` with every reason (or the attestation error that explains it).
   */
  async #authorize(
    policy: PolicyEngine,
    requester: Requester,
    request: MintBody,
    context: {
      now: number;
      attested: MintAttestationFacts | undefined;
      approvals: readonly string[];
      mayWait: boolean;
    },
  ): Promise<{ ttl: number; decision: PolicyDecision; awaitsApprovals?: PolicyDecision }> {
    const { attested } = context;
    const decide = (ttl: number) => {
      const input = mintPolicyInput({
        requester: requester.policy,
        scopes: request.scope,
        audience: request.audience,
        ttl,
        ...(request.justification === undefined ? {} : { justification: request.justification }),
        approvals: context.approvals,
        now: context.now,
        ...(attested?.signerAttestation ? { signerAttestation: attested.signerAttestation } : {}),
        ...(attested?.requesterAttestation
          ? { requesterAttestation: attested.requesterAttestation }
          : {}),
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
    if (
      !decision.allow &&
      context.mayWait &&
      decision.reasons.every((r) => r === APPROVALS_MISSING)
    ) {
      return { ttl, decision, awaitsApprovals: decision };
    }
    if (!decision.allow) {
      await this.options.audit.record({
        type: 'denial',
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
      throw new ForbiddenError(
        'policy_denied',
        `policy denies this mint: ${decision.reasons.join(', ')}`,
      );
    }
    return { ttl, decision };
  }
}

/** `{ eligible }` when there is a restriction, else nothing (exactOptionalPropertyTypes). */
function withEligible(eligible: ((id: number) => boolean) | undefined) {
  return eligible ? { eligible } : {};
}
