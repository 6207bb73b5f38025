import {
  ciRequester,
  claimsForEvidence,
  type OidcVerifier,
  UnauthenticatedError,
} from '@frostmint/core';
import type { FastifyRequest } from 'fastify';
import type { ReplayStore } from '../storage/store.ts';
import type { Requester, RequesterAuthenticator } from './types.ts';

/** Replay-window namespace of exchanged ID tokens in the coordinator store. */
export const OIDC_REPLAY_NAMESPACE = 'oidc-id-token';

/**
 * CI requesters: `Authorization: Bearer <OIDC ID token>` (GitHub Actions, GitLab, any
 * trusted issuer). The token is verified (issuer, pinned alg, JWKS signature, audience,
 * times), then remembered in the store's replay window until it expires: each ID token
 * (its `jti`, or its digest without one) is exchanged once (`oidc_token_replayed`), across
 * every coordinator sharing the store. The raw token travels to the signers as evidence;
 * each verifies it again and keeps its own replay window.
 *
 * @example
 * ```ts
 * const auth = new OidcAuthenticator(new OidcVerifier(config.oidc), store.replay);
 * const requester = await auth.authenticate(request); // requester.policy.kind === 'ci'
 * ```
 */
export class OidcAuthenticator implements RequesterAuthenticator {
  readonly kind = 'oidc';

  constructor(
    private readonly verifier: OidcVerifier,
    private readonly replay: ReplayStore,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Requester> {
    const idToken = bearerOf(request);
    const verified = await this.verifier.verify(idToken, Math.floor(this.now() / 1000));
    const first = await this.replay.rememberOnce(
      OIDC_REPLAY_NAMESPACE,
      verified.replayKey,
      new Date(verified.expiresAt * 1000),
    );
    if (!first) {
      throw new UnauthenticatedError(
        'oidc_token_replayed',
        'this ID token was already exchanged; request a fresh one',
      );
    }
    const { sub, client_id, amr } = claimsForEvidence('oidc', verified.claims.sub);
    return {
      subject: sub,
      clientId: client_id,
      amr,
      evidence: { kind: { $case: 'oidc', value: { idToken } } },
      policy: ciRequester(verified),
      evidenceExpiresAt: verified.expiresAt,
    };
  }
}

/**
 * The credential of `Authorization: Bearer <credential>`, or `unauthenticated`.
 *
 * @example
 * ```ts
 * const credential = bearerOf(request);
 * ```
 */
export function bearerOf(request: FastifyRequest): string {
  const match = /^Bearer ([\x21-\x7E]+)$/.exec(request.headers.authorization ?? '');
  if (!match) {
    throw new UnauthenticatedError('unauthenticated', 'send Authorization: Bearer <credential>');
  }
  return match[1]!;
}
