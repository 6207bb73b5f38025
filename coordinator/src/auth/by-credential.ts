import { UnauthenticatedError } from '@frostmint/core';
import type { FastifyRequest } from 'fastify';
import { bearerOf } from './oidc.ts';
import type { Requester, RequesterAuthenticator } from './types.ts';

/** A compact JWS (RFC 7515 §7.1): three base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Chooses the authenticator by the credential presented on `POST /v1/mint`: a bearer that
 * is a compact JWS is an OIDC ID token (`jwt`), any other bearer an opaque credential
 * (`opaque`, e.g. the dev bearer). A request whose credential type has no authenticator
 * configured is refused by the fallback (`unauthenticated`), never by a guess.
 *
 * @example
 * ```ts
 * const auth = new CredentialRouter({ jwt: oidcAuth, opaque: devAuth });
 * ```
 */
export class CredentialRouter implements RequesterAuthenticator {
  readonly kind = 'by-credential';

  constructor(
    private readonly routes: { jwt?: RequesterAuthenticator; opaque?: RequesterAuthenticator },
  ) {}

  authenticate(request: FastifyRequest): Promise<Requester> {
    const credential = bearerOf(request);
    const target = COMPACT_JWS.test(credential) ? this.routes.jwt : this.routes.opaque;
    if (!target) {
      return Promise.reject(
        new UnauthenticatedError(
          'unauthenticated',
          'this coordinator accepts no credential of this type',
        ),
      );
    }
    return target.authenticate(request);
  }
}
