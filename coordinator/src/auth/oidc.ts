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
 * times) and looked up in the store's replay window: each ID token (its `jti`, or its
 * digest without one) is exchanged once (`oidc_token_replayed`), across every coordinator
 * sharing the store. It is remembered only when spent (`Requester.spend`: the mint succeeded
 * or waits for approvals), so a refused attempt leaves a CI job's token usable. The raw
 * token travels to the signers as evidence; each verifies it again and keeps its own
 * replay window, spent only when it produces a share — the authoritative single use.
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
    if (await this.replay.isRemembered(OIDC_REPLAY_NAMESPACE, verified.replayKey)) {
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
      spend: async () => {
        // Two concurrent exchanges of one token may both get here; the signer that two
        // quorums share still signs for only one of them.
        await this.replay.rememberOnce(
          OIDC_REPLAY_NAMESPACE,
          verified.replayKey,
          new Date(verified.expiresAt * 1000),
        );
      },
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
