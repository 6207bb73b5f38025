import type { TokenClaims, TokenHeader } from '@frostmint/core';
import type { Requester } from '../auth/types.ts';
import { dpopClaims } from '../dpop/index.ts';
import type { MintBody } from '../mint-body.ts';

/** Who a token is for, as claims and policy see it (an authenticated `Requester` without its evidence). */
export type RequesterIdentity = Pick<Requester, 'subject' | 'clientId' | 'amr' | 'policy' | 'dpop'>;

/** What varies between the builds of one token: its id, lifetime, times and signer set. */
export interface TokenTimes {
  readonly jti: string;
  /** Lifetime, seconds. */
  readonly ttl: number;
  /** Unix seconds; also `nbf`. */
  readonly iat: number;
  /** `frostmint.signers`: who signs (empty until a signer set is chosen). */
  readonly signers: readonly number[];
  /** `frostmint.approvals`: the guardians whose approvals verified. */
  readonly approvedBy?: readonly string[];
}

/**
 * The JOSE header of every token this coordinator mints (RFC 9068 §2.1: `typ` `at+jwt`).
 *
 * @example
 * ```ts
 * const header = tokenHeader(groupConfig.kid);
 * ```
 */
export function tokenHeader(kid: string): TokenHeader {
  return { alg: 'EdDSA', typ: 'at+jwt', kid };
}

/**
 * The one claims builder of the mint pipeline (RFC 9068 §2.2): every front end's token is
 * built here, so a claim added for all of them (e.g. a proof-of-possession `cnf`) is added
 * in this one place.
 *
 * @example
 * ```ts
 * const claims = tokenClaims({ issuer, policyId: policy.id, requester, request: body, t: { jti, ttl, iat, signers: [1, 3] } });
 * ```
 */
export function tokenClaims(o: {
  readonly issuer: string;
  readonly policyId: string;
  readonly requester: RequesterIdentity;
  readonly request: Pick<MintBody, 'scope' | 'audience'>;
  readonly t: TokenTimes;
}): TokenClaims {
  const { t } = o;
  return {
    iss: o.issuer,
    sub: o.requester.subject,
    aud: o.request.audience,
    scope: o.request.scope.join(' '),
    iat: t.iat,
    nbf: t.iat,
    exp: t.iat + t.ttl,
    jti: t.jti,
    client_id: o.requester.clientId,
    amr: [...o.requester.amr],
    ...dpopClaims(o.requester),
    frostmint: {
      signers: [...t.signers],
      policy: o.policyId,
      ...(t.approvedBy?.length ? { approvals: [...t.approvedBy] } : {}),
    },
  };
}
