import { randomBytes } from 'node:crypto';
import {
  compactJws,
  decisionLogFields,
  ForbiddenError,
  InvalidRequestError,
  mintPolicyInput,
  type PolicyDecision,
  type PolicyEngine,
  signingInput,
  type TokenClaims,
  TokenTtlSchema,
} from '@frostmint/core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditLog } from './audit/audit-log.ts';
import type { Requester } from './auth/types.ts';
import type { Metrics } from './metrics.ts';
import {
  type MintAttestation,
  type MintAttestationFacts,
  RequesterAttestationBodySchema,
} from './mint-attestation.ts';
import type { TokenSigner } from './signing/round-driver.ts';

const scopeToken = z
  .string()
  .regex(
    /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/,
    'scope tokens are printable ASCII without spaces, quotes or backslashes',
  );

/** Body of `POST /v1/mint`. */
export const MintBodySchema = z
  .object({
    scope: z.array(scopeToken).min(1).max(16),
    audience: z.string().min(1).max(256),
    ttl: TokenTtlSchema.optional(),
    justification: z.string().max(1024).optional(),
    /** Requester SEV-SNP evidence (docs/attestation.md, "Requester attestation"). */
    attestation: RequesterAttestationBodySchema.optional(),
  })
  .strict();
export type MintBody = z.infer<typeof MintBodySchema>;

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
}

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

  async mint(requester: Requester, request: MintBody): Promise<MintResponse> {
    const { issuer, kid, maxTtlSeconds, driver } = this.options;
    // One policy for the whole mint: the decision and the token's `frostmint.policy` agree.
    const policy = this.options.policy.current;
    if (request.ttl !== undefined && request.ttl > maxTtlSeconds) {
      throw new ForbiddenError(
        'ttl_too_long',
        `ttl ${request.ttl} s exceeds this deployment's ${maxTtlSeconds} s cap`,
      );
    }
    if (new Set(request.scope).size !== request.scope.length) {
      throw new InvalidRequestError('scope_invalid', 'scope lists a scope twice');
    }
    const iat = Math.floor((this.options.now ?? Date.now)() / 1000);
    const attested = await this.options.attestation?.facts(
      request.attestation,
      { subject: requester.subject, audience: request.audience, scopes: request.scope },
      iat,
    );
    const { ttl, decision } = await this.#authorize(policy, requester, request, iat, attested);
    const jti = randomBytes(16).toString('base64url');
    const claimsFor = (signers: number[]): TokenClaims => ({
      iss: issuer,
      sub: requester.subject,
      aud: request.audience,
      scope: request.scope.join(' '),
      iat,
      nbf: iat,
      exp: iat + ttl,
      jti,
      client_id: requester.clientId,
      amr: requester.amr,
      frostmint: { signers, policy: policy.id },
    });
    const header = { alg: 'EdDSA', typ: 'at+jwt', kid } as const;
    const signed = await driver.sign({
      requestId: jti,
      evidence: requester.evidence,
      ...(attested?.requesterEvidence ? { requesterAttestation: attested.requesterEvidence } : {}),
      ...withEligible(this.options.attestation?.eligibility(decision)),
      messageFor: (signers) => Buffer.from(signingInput(header, claimsFor(signers)), 'latin1'),
    });
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
   * Evaluates policy for the request and returns the lifetime to issue: the requested one,
   * or without a request the default lowered to the policy's maximum. Throws
   * `policy_denied` with every reason.
   */
  async #authorize(
    policy: PolicyEngine,
    requester: Requester,
    request: MintBody,
    now: number,
    attested: MintAttestationFacts | undefined,
  ): Promise<{ ttl: number; decision: PolicyDecision }> {
    const decide = (ttl: number) => {
      const input = mintPolicyInput({
        requester: requester.policy,
        scopes: request.scope,
        audience: request.audience,
        ttl,
        ...(request.justification === undefined ? {} : { justification: request.justification }),
        approvals: [],
        now,
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
    let ttl = Math.min(request.ttl ?? this.options.defaultTtlSeconds, this.options.maxTtlSeconds);
    let decision = decide(ttl);
    // Without a requested TTL the default is lowered to the policy's maximum, so the other
    // reasons (if any) are what the requester sees.
    if (request.ttl === undefined && decision.reasons.includes('ttl_exceeds_max')) {
      ttl = decision.max_ttl;
      decision = decide(ttl);
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
