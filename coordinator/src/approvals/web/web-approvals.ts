import {
  ConflictError,
  decodeGuardianBinding,
  encodeGuardianBinding,
  ForbiddenError,
  mintApprovalDigest,
  type WebAuthnConfig,
} from '@frostmint/core';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Logger } from 'pino';
import type { AssertionBody } from '../../requests/schemas.ts';
import type { CoordinatorStore } from '../../storage/index.ts';
import type { ApprovalGate, PendingView } from '../gate.ts';
import type { GuardianCredentials } from './credentials.ts';

export interface WebApprovalsOptions {
  readonly pending: ApprovalGate;
  readonly credentials: GuardianCredentials;
  readonly store: CoordinatorStore;
  readonly webauthn: WebAuthnConfig;
  readonly log: Logger;
}

/**
 * Approvals on the coordinator's page (`/approvals/{id}`). The WebAuthn challenge is the
 * approval digest of the request — the same digest `frostmint-guardian approve` signs —
 * so the tap binds this exact request, and the assertion together with the guardian's
 * binding is what every signer verifies itself. The request id, and not a random nonce,
 * fixes the challenge, so single use comes from the store (one approval per guardian per
 * request) and from the credential's signature counter (WebAuthn L3 §6.1.1).
 *
 * @example
 * ```ts
 * const { request, public_key } = await web.prepare(id);
 * ```
 */
export class WebApprovals {
  constructor(private readonly options: WebApprovalsOptions) {}

  /** The pending request and the assertion options for the page. */
  async prepare(
    id: string,
  ): Promise<{ request: PendingView; public_key: PublicKeyCredentialRequestOptionsJSON }> {
    const request = await this.options.pending.pendingView(id);
    if (request.kind !== 'mint') {
      throw new ConflictError(
        'web_approval_unsupported',
        'enrollments are approved with frostmint-guardian approve, not on this page',
      );
    }
    const bound = await this.options.credentials.bound();
    return {
      request,
      public_key: {
        challenge: mintApprovalDigest(request.approval_subject).toString('base64url'),
        rpId: this.options.webauthn.rpId,
        allowCredentials: bound.map((c) => ({ id: c.credentialId, type: 'public-key' as const })),
        userVerification: 'required',
        timeout: this.options.webauthn.challengeTtlSeconds * 1000,
      },
    };
  }

  /**
   * Verifies the page's assertion as a guardian's approval (binding by a group guardian,
   * assertion by the bound credential over this request's approval digest, origin, RP ID,
   * user verification), checks and advances the credential's counter, and stores it.
   * `credential_not_bound` when the credential is unknown or unbound.
   */
  async approve(
    id: string,
    assertion: AssertionBody,
  ): Promise<{ approvals: number; required: number; guardian_kid: string }> {
    const credential = await this.options.store.guardianCredentials.get(assertion.id);
    if (credential?.binding == null) {
      throw new ForbiddenError(
        'credential_not_bound',
        'this credential is not bound to a guardian (frostmint-guardian webauthn bind)',
      );
    }
    const b = (s: string) => Buffer.from(s, 'base64url');
    const authenticatorData = b(assertion.response.authenticatorData);
    const answer = {
      guardianKid: credential.guardianKid,
      signature: new Uint8Array(0),
      webauthn: {
        binding: encodeGuardianBinding(decodeGuardianBinding(JSON.stringify(credential.binding))),
        authenticatorData,
        clientDataJson: b(assertion.response.clientDataJSON),
        signature: b(assertion.response.signature),
        userHandle: b(assertion.response.userHandle ?? ''),
      },
    };
    const result = await this.options.pending.approve(id, answer, async () => {
      // WebAuthn §6.1: the counter is the 4 bytes after the RP ID hash and the flags.
      const signCount = authenticatorData.readUInt32BE(33);
      const check = await this.options.store.guardianCredentials.recordAssertion(
        credential.credentialId,
        signCount,
      );
      if (check !== 'accepted') {
        this.options.log.warn(
          { credentialId: credential.credentialId, signCount },
          'guardian credential counter did not advance: possible cloned authenticator',
        );
        throw new ForbiddenError(
          'sign_count_regressed',
          'the authenticator signature counter did not advance',
        );
      }
    });
    return { ...result, guardian_kid: credential.guardianKid };
  }
}
