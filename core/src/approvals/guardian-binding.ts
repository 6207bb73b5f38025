import { z } from 'zod';
import { canonicalJson, domainSeparated } from '../canonical-json.ts';
import { type GuardianKey, verifyGuardianSignature } from '../ceremony/guardian-key.ts';
import { ForbiddenError, InvalidRequestError } from '../errors.ts';

/** Format (and signing domain, with a NUL) of a guardian's WebAuthn credential binding. */
export const GUARDIAN_BINDING_FORMAT = 'frostmint/guardian-webauthn-binding/v1';
/** Longest a binding may be valid for, from the verifier's clock (seconds): one year. */
export const MAX_BINDING_VALIDITY_SECONDS = 366 * 24 * 3600;

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);

/**
 * What a guardian signs with their approval key (PIV slot 9c / HSM key) to say "this
 * WebAuthn credential approves for me": the guardian's key id, the credential id and its
 * COSE public key (WebAuthn §6.5.1.1), the RP ID it is scoped to and when the binding
 * lapses. The approval key stays the only trust anchor in the group configuration; the
 * credential is trusted only through this signature.
 */
export const GuardianBindingBodySchema = z
  .object({
    format: z.literal(GUARDIAN_BINDING_FORMAT),
    guardian_kid: b64u.max(64),
    credential_id: b64u.max(1366),
    /** COSE_Key, base64url. */
    public_key: b64u.max(2048),
    rp_id: z.string().min(1).max(253),
    /** Unix seconds. */
    not_after: z.number().int().positive(),
  })
  .strict();
export type GuardianBindingBody = z.infer<typeof GuardianBindingBodySchema>;

/** A signed binding: the body and the approval key's ES256 signature (`r‖s`, base64url). */
export const GuardianBindingSchema = GuardianBindingBodySchema.extend({
  signature: b64u.max(128),
}).strict();
export type GuardianBinding = z.infer<typeof GuardianBindingSchema>;

/**
 * The input the approval key signs (ES256: SHA-256 of it): `GUARDIAN_BINDING_FORMAT NUL ‖
 * canonical JSON of the body` — a domain no mint approval, ceremony approval or token
 * signing input can share.
 *
 * @example
 * ```ts
 * const signature = await token.sign(keyRef, createHash('sha256').update(guardianBindingInput(body)).digest());
 * ```
 */
export function guardianBindingInput(body: GuardianBindingBody): Buffer {
  return domainSeparated(`${GUARDIAN_BINDING_FORMAT}\0`, GuardianBindingBodySchema.parse(body));
}

/**
 * The canonical bytes of a signed binding, as it travels in `WebAuthnApproval.binding`.
 *
 * @example
 * ```ts
 * const proof = { binding: encodeGuardianBinding(binding), … };
 * ```
 */
export function encodeGuardianBinding(binding: GuardianBinding): Buffer {
  return Buffer.from(canonicalJson(GuardianBindingSchema.parse(binding)), 'utf8');
}

/**
 * Parses binding bytes or JSON. Throws `binding_malformed` (400) when malformed.
 *
 * @example
 * ```ts
 * const binding = decodeGuardianBinding(proof.binding);
 * ```
 */
export function decodeGuardianBinding(bytes: Uint8Array | string): GuardianBinding {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = GuardianBindingSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidRequestError(
      'binding_malformed',
      'the guardian credential binding is malformed',
    );
  }
  return parsed.data;
}

/**
 * Verifies a binding the way every signer and the coordinator must: it names a guardian of
 * `guardians` (the verifier's own group configuration), its signature by that guardian's
 * approval key verifies, it is scoped to the verifier's RP ID, and it has not lapsed (nor
 * lasts more than a year). Returns the guardian. Throws `binding_invalid` or
 * `binding_expired`.
 *
 * @example
 * ```ts
 * const guardian = verifyGuardianBinding(binding, group.guardians.keys, config.webauthn.rpId, now);
 * ```
 */
export function verifyGuardianBinding(
  binding: GuardianBinding,
  guardians: readonly GuardianKey[],
  rpId: string,
  now: number,
): GuardianKey {
  const { signature, ...body } = binding;
  const guardian = guardians.find((g) => g.approvalKey.kid === body.guardian_kid);
  if (
    !guardian ||
    !verifyGuardianSignature(
      guardian,
      guardianBindingInput(body),
      Buffer.from(signature, 'base64url'),
    )
  ) {
    throw new ForbiddenError(
      'binding_invalid',
      'the WebAuthn credential binding is not signed by a guardian of this group',
    );
  }
  if (body.rp_id !== rpId) {
    throw new ForbiddenError('binding_invalid', 'the credential binding is for another RP ID');
  }
  if (body.not_after < now) {
    throw new ForbiddenError(
      'binding_expired',
      `the WebAuthn credential binding of guardian "${guardian.name}" lapsed`,
    );
  }
  if (body.not_after > now + MAX_BINDING_VALIDITY_SECONDS) {
    throw new ForbiddenError('binding_invalid', 'a credential binding may last at most a year');
  }
  return guardian;
}
