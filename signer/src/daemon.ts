import { readFile } from 'node:fs/promises';
import {
  type Attester,
  ForbiddenError,
  type FrostGroup,
  FrostmintError,
  type GroupConfig,
  groupPublicKeyOf,
  inSpan,
  inSpanSync,
  loadGroup,
  type PolicyEvaluation,
  type PolicyHolder,
  participantsOf,
  readGroupConfig,
  UnavailableError,
} from '@frostmint/core';
import {
  type AttestRequest,
  type AttestResponse,
  type CommitRequest,
  type CommitResponse,
  type InfoResponse,
  SigningPurpose,
  type SignRequest,
  type SignResponse,
  type UpdatePolicyRequest,
  type UpdatePolicyResponse,
} from '@frostmint/proto';
import type { Logger } from 'pino';
import { SignerAttestation } from './attestation/signer-attestation.ts';
import type { SignerConfig } from './config.ts';
import { DkgCoordinatorFacing } from './dkg.ts';
import { type ApprovalChecker, approvalChecker } from './evidence/approvals.ts';
import { DpopEvidenceChecker } from './evidence/dpop.ts';
import { type OidcEvidenceChecker, oidcEvidenceChecker } from './evidence/oidc.ts';
import { ReplayWindow } from './evidence/replay-window.ts';
import { countedHolder } from './metrics.ts';
import { NonceStore } from './nonce-store.ts';
import { enforcePolicy } from './policy-gate.ts';
import { checkSignRequest, type SignContext } from './sign-request.ts';
import { SignerPolicy } from './signer-policy.ts';
import { SigningLog } from './signing-log.ts';
import type { ShareVault } from './vault/index.ts';
import {
  type EnrollmentProofChecker,
  enrollmentProofChecker,
} from './webauthn/enrollment-proof.ts';
import { checkEnrollmentRequest } from './webauthn/enrollment-request.ts';
import { checkStillEnrolled } from './webauthn/still-enrolled.ts';

/** WebAuthn challenges and enrollment ids remembered at most (then it fails closed). */
const WEBAUTHN_REPLAY_CAPACITY = 100_000;

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
  /** Replaces the configured attester (tests: a fake SEV-SNP guest). */
  readonly attester?: Attester;
  /** Told of every policy decision this signer makes (its metrics count them). */
  readonly onPolicyEvaluation?: (evaluation: PolicyEvaluation) => void;
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
  #policy!: SignerPolicy;
  readonly #oidc: OidcEvidenceChecker | undefined;
  readonly #enrollmentProof: EnrollmentProofChecker;
  readonly #attestation: SignerAttestation;
  readonly #replay: ReplayWindow;
  readonly #dpop: DpopEvidenceChecker;
  readonly #approvals: ApprovalChecker;
  readonly #journal: SigningLog;
  readonly #onPolicyEvaluation: ((evaluation: PolicyEvaluation) => void) | undefined;
  #group: LoadedGroup | undefined;

  private constructor(
    options: SignerDaemonOptions,
    tls: { keyPem: string; certPem: string; caPem: string },
    attestation: SignerAttestation,
    journal: SigningLog,
  ) {
    this.#attestation = attestation;
    this.#journal = journal;
    this.#onPolicyEvaluation = options.onPolicyEvaluation;
    this.#config = options.config;
    this.#vault = options.vault;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#nonces = new NonceStore(options.config.nonceTtlSeconds * 1000, this.#now);
    this.#oidc = options.config.oidc && oidcEvidenceChecker(options.config.oidc, options.log);
    this.#enrollmentProof = enrollmentProofChecker(options.config.enrollmentIdp, options.log);
    this.#replay = new ReplayWindow({ capacity: WEBAUTHN_REPLAY_CAPACITY });
    this.#dpop = new DpopEvidenceChecker(options.config);
    this.#approvals = approvalChecker();
    this.dkg = new DkgCoordinatorFacing({
      config: options.config,
      vault: options.vault,
      log: options.log,
      tls,
      group: () => this.#group?.config,
      onGroup: (group) => this.#install(group),
      attestation,
    });
  }

  static async open(options: SignerDaemonOptions): Promise<SignerDaemon> {
    const { tls } = options.config;
    const [keyPem, certPem, caPem] = await Promise.all([
      readFile(tls.key, 'utf8'),
      readFile(tls.cert, 'utf8'),
      readFile(tls.ca, 'utf8'),
    ]);
    // Evidence binds the policy in force, which a bundle update can change (read live).
    let policy: SignerPolicy | undefined;
    const attestation = await SignerAttestation.open({
      config: options.config,
      certPem,
      policyId: () => policy?.holder.current.id ?? '',
      log: options.log,
      ...(options.attester ? { attester: options.attester } : {}),
    });
    const journal = await SigningLog.open(options.config.stateDir);
    const daemon = new SignerDaemon(options, { keyPem, certPem, caPem }, attestation, journal);
    const group = await readGroupConfig(options.config.stateDir);
    if (group) daemon.#install(group);
    policy = daemon.#policy = await SignerPolicy.open({
      files: options.config.policy,
      stateDir: options.config.stateDir,
      group: () => daemon.#group?.config,
      log: options.log,
      graceMs: options.config.policyGraceSeconds * 1000,
    });
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
      policyId: this.#policy.holder.current.id,
      unixTimeMs: this.#now(),
    };
  }

  /** Installs a guardian-approved policy bundle (see `SignerPolicy.update`). */
  updatePolicy(req: UpdatePolicyRequest): Promise<UpdatePolicyResponse> {
    return this.#policy.update(req);
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

  /**
   * Round two. Every token and enrollment signature share, and every refusal, is written to
   * the signer's own hash-chained log (`signing-log.jsonl`) before the answer goes out.
   */
  async sign(req: SignRequest): Promise<SignResponse> {
    if (
      req.purpose !== SigningPurpose.SIGNING_PURPOSE_ENROLLMENT &&
      req.purpose !== SigningPurpose.SIGNING_PURPOSE_TOKEN
    ) {
      return this.dkg.signGroupConfig(req);
    }
    try {
      return req.purpose === SigningPurpose.SIGNING_PURPOSE_ENROLLMENT
        ? await this.#signEnrollment(req)
        : await this.#signToken(req);
    } catch (err) {
      const code = err instanceof FrostmintError ? err.code : 'internal';
      await this.#journal.append({ kind: 'refused', requestId: req.requestId, code });
      throw err;
    }
  }

  async #signToken(req: SignRequest): Promise<SignResponse> {
    const group = this.#requireGroup();
    const checked = await inSpan('signer.checks', () =>
      checkSignRequest(req, this.#signContext(group)),
    );
    if (checked.certificate) {
      checkStillEnrolled(
        this.#policy.holder.current,
        checked.certificate,
        Math.floor(this.#now() / 1000),
      );
    }
    const requesterAttestation = await this.#attestation.verifyRequester(
      req.requesterAttestation,
      checked.claims,
    );
    const signerVerdict = await this.#attestation.selfVerdict();
    inSpanSync('signer.policy', () =>
      enforcePolicy(this.#policyHolder(), checked, checked.requester, {
        now: Math.floor(this.#now() / 1000),
        log: this.#log,
        attestation: {
          signer: signerVerdict,
          ...(requesterAttestation ? { requester: requesterAttestation } : {}),
        },
      }),
    );
    const nonces = this.#takeNonces(checked.own);
    const now = Math.floor(this.#now() / 1000);
    this.#approvals.commit(req.approvals, checked.claims, now);
    if (checked.replayKey) {
      // Remember the challenge for as long as the signing input could still be accepted.
      const { iat, exp } = checked.claims;
      const window =
        this.#config.clockSkewSeconds + (this.#config.webauthn?.challengeTtlSeconds ?? 0);
      this.#replay.rememberOnce(checked.replayKey, Math.max(exp, iat + window), now);
    }
    const share = await this.#withShare(group, (s) =>
      group.frost.signShare(s, nonces, checked.commitments, checked.message),
    );
    // Spent only now that a share exists, and before it leaves: if a concurrent mint spent
    // the ID token meanwhile this throws and the share is never returned.
    checked.spendEvidence?.(Math.floor(this.#now() / 1000));
    checked.spendDpop?.(Math.floor(this.#now() / 1000));
    await this.#journal.append({
      kind: 'signed',
      purpose: 'token',
      requestId: req.requestId,
      id: checked.claims.jti,
      sub: checked.claims.sub,
    });
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

  /** `Attest`: SEV-SNP evidence bound to the caller's nonce, this signer's TLS key and policy. */
  attest(req: AttestRequest): Promise<AttestResponse> {
    return this.#attestation.attest(req.nonce);
  }

  /** Co-signs an enrollment certificate after checking it (see checkEnrollmentRequest). */
  async #signEnrollment(req: SignRequest): Promise<SignResponse> {
    const group = this.#requireGroup();
    const checked = await checkEnrollmentRequest(
      req,
      this.#signContext(group),
      this.#policyHolder().current,
      this.#log,
      this.#enrollmentProof,
    );
    const nonces = this.#takeNonces(checked.own);
    const now = Math.floor(this.#now() / 1000);
    this.#replay.rememberOnce(checked.replayKey, checked.rememberUntil, now);
    // The ID token's nonce binds it to this certificate; its jti is single-use all the same.
    if (checked.idTokenReplay) {
      this.#replay.rememberOnce(checked.idTokenReplay.key, checked.idTokenReplay.until, now);
    }
    const share = await this.#withShare(group, (s) =>
      group.frost.signShare(s, nonces, checked.commitments, checked.message),
    );
    await this.#journal.append({
      kind: 'signed',
      purpose: 'enrollment',
      requestId: req.requestId,
      id: checked.body.cert_id,
      sub: checked.body.sub,
    });
    this.#log.info(
      {
        requestId: req.requestId,
        certId: checked.body.cert_id,
        sub: checked.body.sub,
        approvals: checked.approvals,
      },
      'enrollment certificate share issued',
    );
    return { signerId: this.#config.id, signatureShare: Buffer.from(share) };
  }

  /** The policy in force, counting its decisions when metrics are on. */
  #policyHolder(): Pick<PolicyHolder, 'current' | 'resolve'> {
    const observe = this.#onPolicyEvaluation;
    return observe ? countedHolder(this.#policy.holder, observe) : this.#policy.holder;
  }

  #signContext(group: LoadedGroup): SignContext {
    return {
      config: this.#config,
      kid: group.config.kid,
      participants: group.participants,
      threshold: group.config.threshold,
      now: Math.floor(this.#now() / 1000),
      groupKey: Buffer.from(group.config.groupKey, 'base64url'),
      ...(this.#oidc ? { oidc: this.#oidc } : {}),
      approvals: this.#approvals,
      guardians: group.config.version === 2 ? group.config.guardians.keys : [],
      dpop: this.#dpop,
    };
  }

  #takeNonces(own: Parameters<NonceStore['take']>[0]) {
    const nonces = this.#nonces.take(own);
    if (!nonces) {
      throw new ForbiddenError(
        'nonce_unavailable',
        'no live nonce for this commitment: unknown, already used or expired',
      );
    }
    return nonces;
  }

  async close(): Promise<void> {
    this.#nonces.close();
    this.#enrollmentProof.close();
    this.dkg.close();
    await this.#journal.close();
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
    return inSpan('signer.vault', () =>
      this.#vault.withShare(binding, (signingShare) => use({ id: this.#config.id, signingShare })),
    );
  }
}
