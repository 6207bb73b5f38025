import { ForbiddenError } from '../errors.ts';
import type { TokenClaims } from './claims.ts';

/** The kinds of requester evidence a signer verifies (the `Evidence` oneof of the proto). */
export type EvidenceKind = 'dev' | 'oidc' | 'webauthn';

/** The token claims that say who asked and how they proved it. */
export type EvidenceClaims = Pick<TokenClaims, 'sub' | 'client_id'> & { amr: string[] };

/** The subject of every dev-evidence token (the local demo's single requester). */
export const DEV_SUBJECT = 'dev@localhost';

/**
 * The one table from verified evidence to the claims a token may carry, shared by the
 * coordinator (which builds claims from it) and every signer (which refuses anything
 * else). `sub` is always the subject the evidence proves: the dev demo's fixed subject, the
 * ID token's `sub`, the WebAuthn enrollment certificate's `sub`.
 */
export const EVIDENCE_CLAIMS: Readonly<
  Record<EvidenceKind, { readonly amr: readonly string[]; readonly client_id: string }>
> = {
  /** Local demo only: nothing is proven, and the token says so. */
  dev: { amr: ['dev'], client_id: 'frostmint-dev' },
  /** CI: an ID token of a trusted issuer (RFC 8176 has no OIDC value; frostmint uses `oidc`). */
  oidc: { amr: ['oidc'], client_id: 'frostmint-ci' },
  /** An engineer's tap, checked against a quorum-signed enrollment certificate (RFC 8176 §2). */
  webauthn: { amr: ['webauthn'], client_id: 'frostmint-cli' },
};

/**
 * The `sub`, `amr` and `client_id` a token minted on `kind` evidence proving `subject`
 * carries.
 *
 * @example
 * ```ts
 * const { sub, amr, client_id } = claimsForEvidence('oidc', verified.claims.sub);
 * // amr ['oidc'], client_id 'frostmint-ci'
 * ```
 */
export function claimsForEvidence(kind: EvidenceKind, subject: string): EvidenceClaims {
  const { amr, client_id } = EVIDENCE_CLAIMS[kind];
  return { sub: subject, amr: [...amr], client_id };
}

/**
 * Refuses a token whose `sub`, `amr` or `client_id` differ from what the verified evidence
 * yields (see {@link EVIDENCE_CLAIMS}): `ForbiddenError` `claims_evidence_mismatch` (403),
 * naming the claim. A missing `amr` is a mismatch too.
 *
 * @example
 * ```ts
 * const requester = await oidc.check(idToken, claims, now);
 * checkClaimsFollowEvidence(claims, 'oidc', requester.subject);
 * ```
 */
export function checkClaimsFollowEvidence(
  claims: Pick<TokenClaims, 'sub' | 'client_id' | 'amr'>,
  kind: EvidenceKind,
  subject: string,
): void {
  const expected = claimsForEvidence(kind, subject);
  const mismatch = (claim: string, got: unknown, want: unknown) =>
    new ForbiddenError(
      'claims_evidence_mismatch',
      `${kind} evidence yields ${claim} ${JSON.stringify(want)}, the token says ${JSON.stringify(got)}`,
    );
  if (claims.sub !== expected.sub) throw mismatch('sub', claims.sub, expected.sub);
  if (claims.client_id !== expected.client_id) {
    throw mismatch('client_id', claims.client_id, expected.client_id);
  }
  if (JSON.stringify(claims.amr) !== JSON.stringify(expected.amr)) {
    throw mismatch('amr', claims.amr, expected.amr);
  }
}
