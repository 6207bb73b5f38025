import {
  compactJws,
  correlate,
  inSpan,
  type MintApprovalWire,
  signingInput,
  type TokenClaims,
  type TokenHeader,
} from '@frostmint/core';
import { approvalToProto } from '../approvals/proto.ts';
import { evidenceDigests, signedDigests } from '../audit/entry-digests.ts';
import type { Requester } from '../auth/types.ts';
import { dpopSignFields } from '../dpop/index.ts';
import type { MintBody } from '../mint-body.ts';
import type { TokenSigner } from '../signing/round-driver.ts';
import {
  type Authorization,
  type AuthorizeContext,
  MintAuthorizer,
  type MintAuthorizerOptions,
} from './authorize.ts';
import { checkMintRequest } from './check.ts';
import { recordMint } from './record.ts';
import { type RequesterIdentity, type TokenTimes, tokenClaims, tokenHeader } from './token.ts';

/** Options of {@link MintPipeline}. */
export interface MintPipelineOptions extends MintAuthorizerOptions {
  readonly issuer: string;
  readonly kid: string;
  /** The one round driver (`RoundDriver`); a fixed signer set is a parameter of a signing. */
  readonly driver: TokenSigner;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /**
   * Throws `store_unavailable` when the store cannot take writes (disk full): checked
   * before signing, so no token is signed that could not be audited.
   */
  readonly assertStoreWritable?: () => void;
}

/** The token to sign: built for the signer set the quorum forms, or fixed in advance. */
export type TokenToSign =
  | {
      /** The token for the signers that answered round one (it names them). */
      readonly claimsFor: (signers: number[]) => TokenClaims;
    }
  | {
      /** The exact signing input a tap approved, naming `claims.frostmint.signers`. */
      readonly signingInput: string;
      readonly claims: TokenClaims;
    };

/** What the sign step takes. */
export interface SignStep {
  /** Correlates the signers' logs (the token's `jti`, or the request id). */
  readonly requestId: string;
  readonly requester: Pick<Requester, 'evidence' | 'spend' | 'dpop'>;
  readonly authorization: Pick<Authorization, 'decision' | 'attested' | 'policy'>;
  /** Guardian approvals; every signer verifies them against the token. */
  readonly approvals: readonly MintApprovalWire[];
  readonly token: TokenToSign;
  /**
   * Step 7 when delivery can fail (sealing to a result key): runs on the signed token before
   * it is recorded, so a token that cannot be delivered is never recorded as minted.
   */
  readonly deliver?: (token: string) => Promise<void>;
}

/** A signed and recorded token. */
export interface SignedToken {
  /** Compact JWS. */
  readonly token: string;
  readonly claims: TokenClaims;
}

/** Answer of a successful mint (`POST /v1/mint`, a poll that mints). */
export interface MintResponse {
  token: string;
  /** `DPoP` for a token bound with `cnf.jkt` (RFC 9449 §5), else `Bearer`. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  expires_at: number;
  jti: string;
}

/**
 * The coordinator's one mint pipeline: check request → authenticate (the front end's
 * `RequesterAuthenticator`, or a verified WebAuthn tap, both giving a `Requester`) →
 * authorize → await approvals if policy says so (the front end parks the request at the
 * approval gate) → sign → record → deliver. Every front end — `POST /v1/mint`, the CI poll,
 * the two-step WebAuthn mint — runs these steps, so the rules live once.
 *
 * @example
 * ```ts
 * pipeline.check(body);
 * const auth = await pipeline.authorize(requester, body, { now: pipeline.nowSeconds(), mayWait: false, sourceAddress });
 * const signed = await pipeline.sign({ requestId: jti, requester, authorization: auth, approvals: [],
 *   token: { claimsFor: (signers) => pipeline.claims(auth.policy, requester, body, { jti, ttl: auth.ttl, iat, signers }) } });
 * ```
 */
export class MintPipeline {
  readonly authorizer: MintAuthorizer;
  readonly header: TokenHeader;

  constructor(private readonly options: MintPipelineOptions) {
    this.authorizer = new MintAuthorizer(options);
    this.header = tokenHeader(options.kid);
  }

  /** The deployment's lifetime cap and default, seconds. */
  get limits(): { readonly maxTtlSeconds: number; readonly defaultTtlSeconds: number } {
    return this.options;
  }

  /** Unix seconds now. */
  nowSeconds(): number {
    return Math.floor((this.options.now ?? Date.now)() / 1000);
  }

  /** Step 1: `ttl_too_long`, `scope_invalid`. */
  check(request: Pick<MintBody, 'ttl' | 'scope'>): void {
    checkMintRequest(request, this.options.maxTtlSeconds);
  }

  /** Step 3: see {@link MintAuthorizer.authorize}. */
  authorize(
    requester: RequesterIdentity,
    request: MintBody,
    context: AuthorizeContext,
  ): Promise<Authorization> {
    return inSpan('mint.authorize', () => this.authorizer.authorize(requester, request, context));
  }

  /** The token's claims under `policy` (see `tokenClaims`). */
  claims(
    policy: { readonly id: string },
    requester: RequesterIdentity,
    request: Pick<MintBody, 'scope' | 'audience'>,
    t: TokenTimes,
  ): TokenClaims {
    return tokenClaims({ issuer: this.options.issuer, policyId: policy.id, requester, request, t });
  }

  /**
   * Steps 5 and 6: has the quorum sign the token (a fixed signing input is signed by
   * exactly the signers it names; otherwise the driver picks the signers, restricted to
   * attested ones when the decision requires it), marks single-use evidence spent, and
   * records the mint (audit entry, metric). Refusals propagate unchanged.
   */
  sign(step: SignStep): Promise<SignedToken> {
    return inSpan('mint.sign', () => this.#sign(step));
  }

  async #sign(step: SignStep): Promise<SignedToken> {
    const { authorization, token } = step;
    const { attested } = authorization;
    this.options.assertStoreWritable?.();
    const eligible = this.authorizer.eligibility(authorization.decision);
    const fixed = 'signingInput' in token ? token : undefined;
    const claimsFor = (signers: number[]) =>
      'claimsFor' in token ? token.claimsFor(signers) : token.claims;
    const signed = await this.options.driver.sign({
      requestId: step.requestId,
      evidence: step.requester.evidence,
      approvals: step.approvals.map(approvalToProto),
      ...(attested?.requesterEvidence ? { requesterAttestation: attested.requesterEvidence } : {}),
      ...(eligible ? { eligible } : {}),
      ...(fixed ? { signers: fixed.claims.frostmint.signers } : {}),
      ...dpopSignFields(step.requester),
      messageFor: (signers) =>
        Buffer.from(
          fixed ? fixed.signingInput : signingInput(this.header, claimsFor(signers)),
          'latin1',
        ),
    });
    const claims = claimsFor(signed.signers);
    correlate({ jti: claims.jti });
    const jws = compactJws(Buffer.from(signed.message).toString('latin1'), signed.signature);
    await step.deliver?.(jws);
    await step.requester.spend?.();
    await inSpan('mint.record', () =>
      recordMint(this.options.audit, this.options.metrics, {
        claims,
        policyId: authorization.policy.id,
        facts: {
          ...signedDigests(jws, signed.message),
          evidence: evidenceDigests(step.requester.evidence, attested?.requesterEvidence),
          approvals: step.approvals.map((a) => a.guardianKid),
        },
      }),
    );
    this.options.log.info(
      { sub: claims.sub, aud: claims.aud, scope: claims.scope, signers: signed.signers },
      'token minted',
    );
    return { token: jws, claims };
  }
}

/**
 * Step 7 for a token handed straight to its requester: the RFC 6749 §5.1-style answer.
 *
 * @example
 * ```ts
 * return mintResponse(await pipeline.sign(step));
 * ```
 */
export function mintResponse(signed: SignedToken): MintResponse {
  const { claims } = signed;
  return {
    token: signed.token,
    token_type: claims.cnf ? 'DPoP' : 'Bearer',
    expires_in: claims.exp - claims.iat,
    expires_at: claims.exp,
    jti: claims.jti,
  };
}
