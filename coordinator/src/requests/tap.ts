import {
  claimsForEvidence,
  type EnrollmentCertificate,
  ForbiddenError,
  FrostmintError,
  hasCode,
  type RawAssertion,
  verifyCertifiedAssertion,
  verifyEnrollmentCertificate,
} from '@frostmint/core';
import type { Evidence } from '@frostmint/proto';
import type { Requester } from '../auth/types.ts';
import type { RequesterIdentity } from '../mint/token.ts';
import type { Enrollment } from '../storage/index.ts';
import type { RequestContext } from './context.ts';
import type { AssertionBody } from './schemas.ts';

/**
 * An engineer as claims and policy see them, with the roles of their enrollments, before
 * any evidence (a two-step request is authorized for them when prepared).
 *
 * @example
 * ```ts
 * const auth = await pipeline.authorize(engineer(user, roles), body, { now, mayWait: true });
 * ```
 */
export function engineer(subject: string, roles: readonly string[]): RequesterIdentity {
  const { amr, client_id } = claimsForEvidence('webauthn', subject);
  return {
    subject,
    clientId: client_id,
    amr,
    policy: { kind: 'engineer', subject, roles: [...roles], amr: ['webauthn'] },
  };
}

/**
 * A verified tap as requester evidence — the same `Requester` the dev bearer and OIDC
 * authenticators give the mint pipeline: the engineer with the roles of the certificate
 * that tapped, and the certificate and assertion every signer verifies again.
 *
 * @example
 * ```ts
 * const requester = tapRequester(await verifyStoredTap(ctx, user, assertion, challenge), assertion);
 * ```
 */
export function tapRequester(tap: StoredTap, assertion: AssertionBody): Requester {
  return {
    ...engineer(tap.enrollment.userId, tap.cert.roles),
    evidence: webauthnEvidence(tap.enrollment, assertion),
  };
}

/** A tap verified against the stored enrollment of `user`. */
export interface StoredTap {
  readonly enrollment: Enrollment;
  readonly cert: EnrollmentCertificate;
  readonly signCount: number;
}

/**
 * The raw parts of a posted assertion.
 *
 * @example
 * ```ts
 * await verifyCertifiedAssertion(cert, rawAssertion(body), expectations);
 * ```
 */
export function rawAssertion(assertion: AssertionBody): RawAssertion & {
  clientDataJson: Buffer;
  authenticatorData: Buffer;
  signature: Buffer;
  userHandle: Buffer;
} {
  return {
    credentialId: assertion.id,
    clientDataJson: Buffer.from(assertion.response.clientDataJSON, 'base64url'),
    authenticatorData: Buffer.from(assertion.response.authenticatorData, 'base64url'),
    signature: Buffer.from(assertion.response.signature, 'base64url'),
    userHandle: Buffer.from(assertion.response.userHandle ?? '', 'base64url'),
  };
}

/**
 * The evidence signers verify themselves: the certificate and the assertion.
 *
 * @example
 * ```ts
 * await signCertificate(ctx, { …, evidence: webauthnEvidence(tap.enrollment, assertion) });
 * ```
 */
export function webauthnEvidence(enrollment: Enrollment, assertion: AssertionBody): Evidence {
  return {
    kind: {
      $case: 'webauthn',
      value: {
        enrollmentCertificate: Buffer.from(enrollment.certificate),
        ...rawAssertion(assertion),
      },
    },
  };
}

/**
 * Verifies a tap by one of `user`'s enrolled, unrevoked credentials with an unexpired
 * certificate, over `challenge` (WebAuthn §7.2, UV required, origin and RP ID from config).
 * Every 403 by one of the user's own credentials counts toward `user`'s lock-out.
 *
 * @example
 * ```ts
 * const { enrollment, cert, signCount } = await verifyStoredTap(ctx, user, assertion, challenge);
 * ```
 */
export async function verifyStoredTap(
  ctx: RequestContext,
  user: string,
  assertion: AssertionBody,
  challenge: Uint8Array,
): Promise<StoredTap> {
  const enrollment = await ctx.store.enrollments.get(assertion.id);
  if (enrollment === null || enrollment.userId !== user) {
    // Not counted toward the user's lock-out: anyone can post a foreign credential, and
    // must not be able to lock the user out with it.
    throw new ForbiddenError(
      'credential_not_enrolled',
      `this credential is not enrolled for ${user}: tap with one of their passkeys, or enroll it (frostmint enroll)`,
    );
  }
  try {
    if (enrollment.revokedAt !== null) {
      throw new ForbiddenError(
        'enrollment_revoked',
        'this credential was revoked: enroll again (frostmint enroll)',
      );
    }
    const cert = verifyEnrollmentCertificate(enrollment.certificate, {
      groupKey: ctx.groupKey,
      kid: ctx.kid,
      now: Math.floor(ctx.now() / 1000),
      clockSkewSeconds: ctx.clockSkewSeconds,
    });
    const { signCount } = await verifyCertifiedAssertion(cert, rawAssertion(assertion), {
      challenge,
      rpId: ctx.webauthn.rpId,
      origins: ctx.webauthn.origins,
    });
    return { enrollment, cert, signCount };
  } catch (err) {
    if (err instanceof FrostmintError && err.status === 403) await ctx.abuse.failed(user);
    throw err;
  }
}

/**
 * Consumes the single-use challenge of a verified tap: of two completions racing with the
 * same challenge exactly one gets past this. Throws `challenge_used` / `challenge_expired`.
 *
 * @example
 * ```ts
 * await consumeChallenge(ctx, challenge);
 * ```
 */
export async function consumeChallenge(ctx: RequestContext, challenge: Uint8Array): Promise<void> {
  try {
    await ctx.store.challenges.consume(
      Buffer.from(challenge).toString('base64url'),
      'authentication',
    );
  } catch (err) {
    if (hasCode(err, 'store_challenge_expired')) {
      throw new ForbiddenError('challenge_expired', 'the challenge expired: prepare a new request');
    }
    if (hasCode(err, 'store_challenge_unknown')) {
      throw new ForbiddenError(
        'challenge_used',
        'this request was already completed or its challenge used (a replayed assertion); prepare a new request',
      );
    }
    throw err;
  }
}

/**
 * Checks and advances the signature counter (WebAuthn L3 §6.1.1: authenticators that always
 * report 0 pass; a counter that does not advance is flagged and denied). On refusal runs
 * `onRefused` (e.g. mark the request denied), counts a failure and throws
 * `sign_count_regressed` or `enrollment_revoked`; on success clears the failures.
 *
 * @example
 * ```ts
 * await checkSignCount(ctx, user, tap, (code) => deny(request, [code]));
 * ```
 */
export async function checkSignCount(
  ctx: RequestContext,
  user: string,
  tap: StoredTap,
  onRefused: (code: string) => Promise<void>,
): Promise<void> {
  const { credentialId } = tap.enrollment;
  const counter = await ctx.store.enrollments.recordAssertion(
    credentialId,
    tap.signCount,
    new Date(ctx.now()),
  );
  if (counter === 'accepted') {
    await ctx.abuse.succeeded(user);
    return;
  }
  const code = counter === 'revoked' ? 'enrollment_revoked' : 'sign_count_regressed';
  ctx.log.warn({ credentialId, user, signCount: tap.signCount, code }, 'assertion flagged');
  await onRefused(code);
  await ctx.abuse.failed(user);
  throw new ForbiddenError(
    code,
    code === 'sign_count_regressed'
      ? 'the authenticator signature counter did not advance (WebAuthn L3 §6.1.1): it may be cloned. The credential is flagged; ask an administrator to check it and re-enroll.'
      : 'this credential was revoked: enroll again (frostmint enroll)',
  );
}
