import type { PolicyInput } from '@frostmint/core';
import type { Evidence } from '@frostmint/proto';
import type { FastifyRequest } from 'fastify';

/** An authenticated requester, and the evidence signers will verify on their own. */
export interface Requester {
  /** Token `sub`. */
  readonly subject: string;
  /** Token `client_id`. */
  readonly clientId: string;
  /** Token `amr` (RFC 8176 values where they exist). */
  readonly amr: string[];
  readonly evidence: Evidence;
  /** The requester as policy sees it (signers derive the same from the evidence). */
  readonly policy: PolicyInput['requester'];
  /** Unix seconds after which signers refuse the evidence (an ID token's `exp`), if any. */
  readonly evidenceExpiresAt?: number;
  /**
   * Marks single-use evidence (an ID token) as used. Called once the mint it authenticated
   * has succeeded or is stored awaiting approvals, so a refused attempt leaves it usable.
   */
  readonly spend?: () => Promise<void>;
  /** The DPoP key the token is bound to and the proof of it (see `coordinator/src/dpop`). */
  readonly dpop?: DpopBinding;
}

/** A verified DPoP proof (RFC 9449) of the requester's key, for `POST /v1/mint`. */
export interface DpopBinding {
  /** The proof JWT as received: the signers verify it again. */
  readonly proof: string;
  /** RFC 7638 thumbprint of the proof key: the token's `cnf.jkt`. */
  readonly jkt: string;
}

/**
 * The requester-authentication seam: the dev bearer credential today; WebAuthn and OIDC
 * implement the same interface.
 */
export interface RequesterAuthenticator {
  readonly kind: string;
  /** Resolves the requester, or throws `UnauthenticatedError`. */
  authenticate(request: FastifyRequest): Promise<Requester>;
}
