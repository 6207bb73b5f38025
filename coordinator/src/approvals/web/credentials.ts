import { randomBytes } from 'node:crypto';
import {
  decodeGuardianBinding,
  ForbiddenError,
  FrostmintError,
  type GuardianKey,
  verifyGuardianBinding,
  verifyRegistration,
  type WebAuthnConfig,
} from '@frostmint/core';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Logger } from 'pino';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { CoordinatorStore, GuardianCredential, JsonObject } from '../../storage/index.ts';

/** Where a guardian's credential registration stands. */
export interface RegistrationView {
  readonly registration_id: string;
  readonly guardian_kid: string;
  readonly guardian: string;
  readonly status: 'pending' | 'registered' | 'bound';
  readonly rp_id: string;
  /** Creation options for the page (while pending). */
  readonly public_key?: PublicKeyCredentialCreationOptionsJSON;
  /** The registered credential the guardian's CLI signs the binding for. */
  readonly credential?: { credential_id: string; public_key: string };
  readonly not_after?: number;
}

export interface GuardianCredentialsOptions {
  readonly store: CoordinatorStore;
  readonly guardians: readonly GuardianKey[];
  readonly webauthn: WebAuthnConfig;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Guardians' WebAuthn credentials for the approval page. A registration id is
 * `<guardian kid>.<nonce>`; the nonce is the single-use registration challenge. The
 * guardian registers on `/guardians/register/{id}` (no attestation trust: the credential is
 * trusted only once bound), then their CLI signs the binding document with the approval key
 * and submits it; the coordinator verifies it (as every signer will, against the group's
 * guardian keys) and keeps it with the credential.
 *
 * @example
 * ```ts
 * const { registration_id } = await credentials.start(kid);
 * ```
 */
export class GuardianCredentials {
  constructor(private readonly options: GuardianCredentialsOptions) {}

  /** Opens a registration for a guardian of the group (`guardian_unknown` otherwise). */
  async start(guardianKid: string): Promise<{ registration_id: string; expires_at: number }> {
    this.#guardian(guardianKid);
    const nonce = randomBytes(32).toString('base64url');
    const now = this.#now();
    const expiresAt = now + this.options.webauthn.challengeTtlSeconds;
    await this.options.store.challenges.create({
      challenge: nonce,
      purpose: 'registration',
      userId: guardianUser(guardianKid),
      requestId: null,
      createdAt: new Date(now * 1000),
      expiresAt: new Date(expiresAt * 1000),
    });
    return { registration_id: `${guardianKid}.${nonce}`, expires_at: expiresAt };
  }

  /** Where a registration stands; creation options while it is still open. */
  async view(id: string): Promise<RegistrationView> {
    const { kid, nonce } = splitId(id);
    const guardian = this.#guardian(kid);
    const row = await this.options.store.guardianCredentials.getByRegistration(id);
    const base = {
      registration_id: id,
      guardian_kid: kid,
      guardian: guardian.name,
      rp_id: this.options.webauthn.rpId,
    };
    if (row === null) {
      return { ...base, status: 'pending', public_key: this.#creationOptions(guardian, nonce) };
    }
    return {
      ...base,
      status: row.binding === null ? 'registered' : 'bound',
      credential: { credential_id: row.credentialId, public_key: row.publicKey },
      ...(row.notAfter ? { not_after: Math.floor(row.notAfter.getTime() / 1000) } : {}),
    };
  }

  /**
   * The page's registration (WebAuthn §7.1: challenge = the nonce, origin and RP ID of the
   * coordinator's configuration, user verification required); the challenge is consumed.
   */
  async register(id: string, response: unknown): Promise<{ credential_id: string }> {
    const { kid, nonce } = splitId(id);
    this.#guardian(kid);
    const issued = await this.options.store.challenges.consume(nonce, 'registration');
    if (issued.userId !== guardianUser(kid)) {
      throw new ForbiddenError(
        'registration_invalid',
        'this registration is not for that guardian',
      );
    }
    const registered = await verifyRegistration(
      response,
      Buffer.from(nonce, 'base64url'),
      this.options.webauthn,
    );
    await this.options.store.guardianCredentials.register({
      credentialId: registered.credentialId,
      guardianKid: kid,
      publicKey: registered.publicKey,
      registrationId: id,
      signCount: registered.signCount,
      createdAt: new Date(this.#now() * 1000),
    });
    return { credential_id: registered.credentialId };
  }

  /**
   * The guardian's signed binding of the registered credential: it must verify against the
   * group's guardian keys (`binding_invalid`) and name exactly this registration's guardian,
   * credential and key (`binding_mismatch`).
   */
  async bind(
    id: string,
    bindingJson: unknown,
  ): Promise<{ credential_id: string; guardian: string; not_after: number }> {
    const { kid } = splitId(id);
    const row = await this.options.store.guardianCredentials.getByRegistration(id);
    if (row === null) {
      throw new FrostmintError('registration_pending', 'no credential was registered yet');
    }
    const binding = decodeGuardianBinding(JSON.stringify(bindingJson));
    const guardian = verifyGuardianBinding(
      binding,
      this.options.guardians,
      this.options.webauthn.rpId,
      this.#now(),
    );
    if (
      binding.guardian_kid !== kid ||
      binding.credential_id !== row.credentialId ||
      binding.public_key !== row.publicKey
    ) {
      throw new ForbiddenError(
        'binding_mismatch',
        'the binding names another guardian or credential than this registration',
      );
    }
    await this.options.store.guardianCredentials.bind(
      row.credentialId,
      binding as unknown as JsonObject,
      new Date(binding.not_after * 1000),
      new Date(this.#now() * 1000),
    );
    await this.options.audit.record({
      type: 'guardian_credential_bound',
      guardian: kid,
      credential: row.credentialId,
      not_after: binding.not_after,
    });
    this.options.log.info(
      { guardian: guardian.name, credentialId: row.credentialId },
      'guardian WebAuthn credential bound',
    );
    return {
      credential_id: row.credentialId,
      guardian: guardian.name,
      not_after: binding.not_after,
    };
  }

  /** Bound, unlapsed credentials (what the approval page allows). */
  bound(): Promise<GuardianCredential[]> {
    return this.options.store.guardianCredentials.listBound(new Date(this.#now() * 1000));
  }

  #creationOptions(guardian: GuardianKey, nonce: string): PublicKeyCredentialCreationOptionsJSON {
    const { webauthn } = this.options;
    return {
      rp: { id: webauthn.rpId, name: webauthn.rpName },
      user: {
        id: Buffer.from(guardian.approvalKey.kid).toString('base64url'),
        name: `guardian: ${guardian.name}`,
        displayName: guardian.name,
      },
      challenge: nonce,
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      timeout: webauthn.challengeTtlSeconds * 1000,
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
    };
  }

  #guardian(kid: string): GuardianKey {
    const guardian = this.options.guardians.find((g) => g.approvalKey.kid === kid);
    if (!guardian) {
      throw new FrostmintError('guardian_unknown', 'no guardian of this group has that key');
    }
    return guardian;
  }

  #now(): number {
    return Math.floor((this.options.now ?? Date.now)() / 1000);
  }
}

function guardianUser(kid: string): string {
  return `guardian:${kid}`;
}

function splitId(id: string): { kid: string; nonce: string } {
  const [kid, nonce] = id.split('.') as [string, string];
  return { kid, nonce };
}
