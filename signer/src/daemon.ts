import { readFile } from 'node:fs/promises';
import {
  ForbiddenError,
  type FrostGroup,
  type GroupConfig,
  groupPublicKeyOf,
  loadGroup,
  loadPolicyFiles,
  type PolicyEngine,
  participantsOf,
  readGroupConfig,
  UnavailableError,
} from '@frostmint/core';
import {
  type CommitRequest,
  type CommitResponse,
  type InfoResponse,
  SigningPurpose,
  type SignRequest,
  type SignResponse,
} from '@frostmint/proto';
import type { Logger } from 'pino';
import type { SignerConfig } from './config.ts';
import { DkgCoordinatorFacing } from './dkg.ts';
import { type ApprovalChecker, approvalChecker } from './evidence/approvals.ts';
import { type OidcEvidenceChecker, oidcEvidenceChecker } from './evidence/oidc.ts';

import { NonceStore } from './nonce-store.ts';
import { enforcePolicy } from './policy-gate.ts';
import { checkSignRequest } from './sign-request.ts';
import type { ShareVault } from './vault/index.ts';

interface LoadedGroup {
  readonly config: GroupConfig;
  readonly frost: FrostGroup;
  readonly participants: number[];
}

export interface SignerDaemonOptions {
  readonly config: SignerConfig;
  readonly vault: ShareVault;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * The signer's behaviour, independent of transport: round one, round two (after checking
 * the request as if the coordinator were hostile), and its part of DKG.
 *
 * @example
 * ```ts
 * const daemon = await SignerDaemon.open({ config, vault, log });
 * const { hiding, binding } = await daemon.commit({ requestId });
 * ```
 */
export class SignerDaemon {
  readonly dkg: DkgCoordinatorFacing;
  readonly #config: SignerConfig;
  readonly #vault: ShareVault;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #nonces: NonceStore;
  readonly #policy: PolicyEngine;
  readonly #oidc: OidcEvidenceChecker | undefined;
  readonly #approvals: ApprovalChecker;
  #group: LoadedGroup | undefined;

  private constructor(
    options: SignerDaemonOptions,
    tls: { keyPem: string; certPem: string; caPem: string },
    policy: PolicyEngine,
  ) {
    this.#policy = policy;
    this.#config = options.config;
    this.#vault = options.vault;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#nonces = new NonceStore(options.config.nonceTtlSeconds * 1000, this.#now);
    this.#oidc = options.config.oidc && oidcEvidenceChecker(options.config.oidc, options.log);
    this.#approvals = approvalChecker();
    this.dkg = new DkgCoordinatorFacing({
      config: options.config,
      vault: options.vault,
      log: options.log,
      tls,
      group: () => this.#group?.config,
      onGroup: (group) => this.#install(group),
    });
  }

  static async open(options: SignerDaemonOptions): Promise<SignerDaemon> {
    const { tls } = options.config;
    const [keyPem, certPem, caPem] = await Promise.all([
      readFile(tls.key, 'utf8'),
      readFile(tls.cert, 'utf8'),
      readFile(tls.ca, 'utf8'),
    ]);
    const policy = await loadPolicyFiles(options.config.policy);
    options.log.info({ policy: policy.id }, 'policy loaded');
    const daemon = new SignerDaemon(options, { keyPem, certPem, caPem }, policy);
    const group = await readGroupConfig(options.config.stateDir);
    if (group) daemon.#install(group);
    return daemon;
  }

  async info(): Promise<InfoResponse> {
    const health = await this.#vault.health();
    const group = this.#group;
    const ready = health.ready && group !== undefined;
    return {
      signerId: this.#config.id,
      kid: group?.config.kid ?? '',
      groupPublicKey: group ? Buffer.from(group.config.groupKey, 'base64url') : Buffer.alloc(0),
      ready,
      detail: !group ? 'no group key yet: run DKG' : (health.detail ?? ''),
      issuer: this.#config.issuer,
      maxTtlSeconds: this.#config.maxTtlSeconds,
    };
  }

  async commit(_req: CommitRequest): Promise<CommitResponse> {
    const group = this.#requireGroup();
    const { nonces, commitment } = await this.#withShare(group, (share) =>
      group.frost.commit(share),
    );
    this.#nonces.put(commitment, nonces);
    return {
      signerId: this.#config.id,
      hiding: Buffer.from(commitment.hiding),
      binding: Buffer.from(commitment.binding),
    };
  }

  async sign(req: SignRequest): Promise<SignResponse> {
    if (req.purpose !== SigningPurpose.SIGNING_PURPOSE_TOKEN) return this.dkg.signGroupConfig(req);
    const group = this.#requireGroup();
    const checked = await checkSignRequest(req, {
      config: this.#config,
      kid: group.config.kid,
      participants: group.participants,
      threshold: group.config.threshold,
      now: Math.floor(this.#now() / 1000),
      ...(this.#oidc ? { oidc: this.#oidc } : {}),
      approvals: this.#approvals,
      guardians: group.config.version === 2 ? group.config.guardians.keys : [],
    });
    enforcePolicy(this.#policy, checked, checked.requester, {
      now: Math.floor(this.#now() / 1000),
      log: this.#log,
    });
    this.#approvals.commit(req.approvals, checked.claims, Math.floor(this.#now() / 1000));
    const nonces = this.#nonces.take(checked.own);
    if (!nonces) {
      throw new ForbiddenError(
        'nonce_unavailable',
        'no live nonce for this commitment: unknown, already used or expired',
      );
    }
    const share = await this.#withShare(group, (s) =>
      group.frost.signShare(s, nonces, checked.commitments, checked.message),
    );
    this.#log.info(
      {
        requestId: req.requestId,
        jti: checked.claims.jti,
        sub: checked.claims.sub,
        scope: checked.claims.scope,
      },
      'signature share issued',
    );
    return { signerId: this.#config.id, signatureShare: Buffer.from(share) };
  }

  async close(): Promise<void> {
    this.#nonces.close();
    this.dkg.close();
    await this.#vault.close();
  }

  #install(config: GroupConfig): void {
    this.#group = {
      config,
      frost: loadGroup(groupPublicKeyOf(config)),
      participants: participantsOf(config),
    };
    this.#log.info({ kid: config.kid }, 'group key loaded');
  }

  #requireGroup(): LoadedGroup {
    if (!this.#group)
      throw new UnavailableError('signer_not_ready', 'this signer has no group key yet: run DKG');
    return this.#group;
  }

  #withShare<T>(
    group: LoadedGroup,
    use: (share: { id: number; signingShare: Uint8Array }) => T,
  ): Promise<T> {
    const binding = { kid: group.config.kid, signerId: this.#config.id };
    return this.#vault.withShare(binding, (signingShare) =>
      use({ id: this.#config.id, signingShare }),
    );
  }
}
