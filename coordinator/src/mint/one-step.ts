import { randomBytes } from 'node:crypto';
import { correlate, spanAttributes } from '@frostmint/core';
import type { Requester } from '../auth/types.ts';
import { refuseDpopPending } from '../dpop/index.ts';
import type { MintBody } from '../mint-body.ts';
import { type MintPipeline, type MintResponse, mintResponse } from './pipeline.ts';
import type { PendingMint, PolledMints } from './polled.ts';

/**
 * The front end of `POST /v1/mint` (dev bearer or OIDC requester, already authenticated by
 * the route): check → authorize → sign → record → deliver, or — when policy's only
 * objection is missing guardian approvals and the group has guardians — parked for a poll
 * (`PolledMints`). Without `polled` such a mint is denied (`policy_denied: approvals_missing`).
 *
 * @example
 * ```ts
 * const minted = await new MintService(pipeline, polled).mint(requester, { scope: ['deploy:canary'], audience: 'deploy-api' }, '10.1.2.3');
 * ```
 */
export class MintService {
  constructor(
    private readonly pipeline: MintPipeline,
    private readonly polled?: PolledMints,
  ) {}

  /** Mints for `requester`, whose request came from `sourceAddress` (`sourceAddressOf`). */
  async mint(
    requester: Requester,
    request: MintBody,
    sourceAddress: string,
  ): Promise<MintResponse | PendingMint> {
    const { pipeline, polled } = this;
    pipeline.check(request);
    const iat = pipeline.nowSeconds();
    const jti = randomBytes(16).toString('base64url');
    // Every line logged for this mint from here on names its token (correlationMixin).
    correlate({ jti });
    spanAttributes({ 'frostmint.jti': jti });
    // One policy for the whole mint: the decision and the token's `frostmint.policy` agree.
    const authorization = await pipeline.authorize(requester, request, {
      now: iat,
      mayWait: polled !== undefined,
      sourceAddress,
    });
    const { policy, ttl } = authorization;
    const claimsFor = (signers: readonly number[]) =>
      pipeline.claims(policy, requester, request, { jti, ttl, iat, signers });
    if (authorization.awaitsApprovals && polled) {
      // A parked mint is finished by a later poll, which carries no fresh proof of the key.
      refuseDpopPending(requester);
      return polled.park({
        requester,
        request,
        claims: claimsFor([]),
        authorization,
        sourceAddress,
      });
    }
    const signed = await pipeline.sign({
      requestId: jti,
      requester,
      authorization,
      approvals: [],
      token: { claimsFor },
    });
    return mintResponse(signed);
  }
}
