import type { GuardianKey } from '../ceremony/guardian-key.ts';
import { ForbiddenError } from '../errors.ts';
import { verifyCertifiedAssertion } from '../webauthn/assertion.ts';
import { decodeGuardianBinding, verifyGuardianBinding } from './guardian-binding.ts';

/** A WebAuthn approval as it travels (proto `WebAuthnApproval`). */
export interface WebAuthnApprovalWire {
  /** Canonical JSON of the signed {@link GuardianBinding}. */
  readonly binding: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly clientDataJson: Uint8Array;
  readonly signature: Uint8Array;
  /** Empty when the authenticator returned none. */
  readonly userHandle: Uint8Array;
}

/** The relying party a verifier checks WebAuthn approvals against: its own configuration. */
export interface ApprovalRelyingParty {
  readonly rpId: string;
  readonly origins: readonly string[];
}

/**
 * Verifies one guardian's WebAuthn approval: the binding is signed by the approval key of
 * the guardian `guardianKid` names (a guardian of the verifier's own group configuration)
 * for the verifier's RP ID, and the assertion is by the bound credential, from one of the
 * verifier's origins, with user verification (WebAuthn §7.2 step 17), over exactly
 * `digest` — the approval digest of the request being verified — as its challenge. The
 * signature counter is returned for the coordinator to judge (signers keep none). Throws
 * `approval_invalid`, `binding_invalid`, `binding_expired`.
 *
 * @example
 * ```ts
 * const { signCount } = await verifyWebAuthnApproval(proof, kid, mintApprovalDigest(subject), guardians, rp, now);
 * ```
 */
export async function verifyWebAuthnApproval(
  proof: WebAuthnApprovalWire,
  guardianKid: string,
  digest: Uint8Array,
  guardians: readonly GuardianKey[],
  rp: ApprovalRelyingParty | undefined,
  now: number,
): Promise<{ guardian: GuardianKey; credentialId: string; signCount: number }> {
  if (!rp) {
    throw new ForbiddenError(
      'approval_invalid',
      'WebAuthn approvals are not accepted here (no webauthn configuration)',
    );
  }
  const binding = decodeGuardianBinding(proof.binding);
  const guardian = verifyGuardianBinding(binding, guardians, rp.rpId, now);
  if (binding.guardian_kid !== guardianKid) {
    throw new ForbiddenError(
      'approval_invalid',
      'the WebAuthn approval names another guardian than its credential binding',
    );
  }
  try {
    const { signCount } = await verifyCertifiedAssertion(
      binding,
      {
        credentialId: binding.credential_id,
        clientDataJson: proof.clientDataJson,
        authenticatorData: proof.authenticatorData,
        signature: proof.signature,
        userHandle: proof.userHandle,
      },
      { challenge: digest, rpId: rp.rpId, origins: rp.origins },
    );
    return { guardian, credentialId: binding.credential_id, signCount };
  } catch (cause) {
    throw new ForbiddenError(
      'approval_invalid',
      `the WebAuthn approval by guardian "${guardian.name}" does not verify over this request ` +
        `(forged, or made for another request): ${(cause as Error).message}`,
      { cause },
    );
  }
}
