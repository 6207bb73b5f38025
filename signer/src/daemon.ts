import { readFile } from 'node:fs/promises';
import {
  type Attester,
  ForbiddenError,
  type FrostGroup,
  FrostmintError,
  type GroupConfig,
  groupPublicKeyOf,
  InvalidRequestError,
  inSpan,
  inSpanSync,
  loadGroup,
  type PolicyEvaluation,
  type PolicyHolder,
  participantsOf,
  readGroupConfig,
  type SigningCommitment,
  type SigningNonces,
  toRefusal,
  UnavailableError,
} from '@frostmint/core';
import {
  type AttestRequest,
  type AttestResponse,
  type CommitRequest,
  type CommitResponse,
  type InfoResponse,
  type PreprocessRequest,
  type SignBatchRequest,
  type SignBatchResponse,
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
import { Preprocessor, type PreprocessSink } from './preprocess.ts';
import { checkCommitments, checkSignRequest, type SignContext } from './sign-request.ts';
import { SignerPolicy } from './signer-policy.ts';
import { SigningLog } from './signing-log.ts';
import { LogWitness } from './transparency/log-witness.ts';
import type { ShareVault } from './vault/index.ts';
import {
  type EnrollmentProofChecker,
  enrollmentProofChecker,
} from './webauthn/enrollment-proof.ts';
import { checkEnrollmentRequest } from './webauthn/enrollment-request.ts';
import { checkStillEnrolled } from './webauthn/still-enrolled.ts';

/** WebAuthn challenges and enrollment ids remembered at most (then it fails closed). */
const WEBAUTHN_REPLAY_CAPACITY = 100_000;
/** Requests one `SignBatch` call may carry (the coordinator sends fewer). */
export const MAX_SIGN_BATCH = 64;

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
  readonly #preprocessor: Preprocessor;
  #policy!: SignerPolicy;
  readonly #oidc: OidcEvidenceChecker | undefined;
  readonly #enrollmentProof: EnrollmentProofChecker;
  readonly #attestation: SignerAttestation;
  readonly #replay: ReplayWindow;
  readonly #dpop: DpopEvidenceChecker;
  readonly #approvals: ApprovalChecker;
  readonly #journal: SigningLog;
  /** The audit log's witness: last co-signed checkpoint, co-signed tokens not yet logged. */
  readonly witness: LogWitness;
  readonly #onPolicyEvaluation: ((evaluation: PolicyEvaluation) => void) | undefined;
  #group: LoadedGroup | undefined;

  private constructor(
    options: SignerDaemonOptions,
    tls: { keyPem: string; certPem: string; caPem: string },
    attestation: SignerAttestation,
    journal: SigningLog,
    witness: LogWitness,
  ) {
    this.#attestation = attestation;
    this.#journal = journal;
    this.witness = witness;
    this.#onPolicyEvaluation = options.onPolicyEvaluation;
    this.#config = options.config;
    this.#vault = options.vault;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#nonces = new NonceStore(options.config.nonceTtlSeconds * 1000, this.#now, (id) =>
      this.#preprocessor.forgotten(id),
    );
    this.#preprocessor = new Preprocessor({
      signerId: options.config.id,
      store: this.#nonces,
      generate: (count) => {
        const group = this.#requireGroup();
        return this.#withShare(group, (share) =>
          Array.from({ length: count }, () => group.frost.commit(share)),
        );
      },
    });
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
    const witness = await LogWitness.open({
      stateDir: options.config.stateDir,
      config: options.config.audit,
      journal,
      log: options.log,
      ...(options.now ? { now: options.now } : {}),
    });
    const daemon = new SignerDaemon(
      options,
      { keyPem, certPem, caPem },
      attestation,
      journal,
      witness,
    );
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
    const unlogged = this.witness.refusal();
    const ready = health.ready && group !== undefined && unlogged === undefined;
    return {
      signerId: this.#config.id,
      kid: group?.config.kid ?? '',
      groupPublicKey: group ? Buffer.from(group.config.groupKey, 'base64url') : Buffer.alloc(0),
      ready,
      detail: !group ? 'no group key yet: run DKG' : (unlogged ?? health.detail ?? ''),
      issuer: this.#config.issuer,
      maxTtlSeconds: this.#config.maxTtlSeconds,
      policyId: this.#policy.holder.current.id,
      unixTimeMs: this.#now(),
      checkpointSize: this.witness.checkpointSize,
      unloggedSigningInputs: this.witness.unlogged(),
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
   * `PreprocessCommitments`: opens a stream of preprocessed commitments (see `Preprocessor`);
   * returns the function that closes it (its outstanding nonces are wiped).
   */
  preprocess(req: PreprocessRequest, sink: PreprocessSink): () => void {
    this.#requireGroup();
    return this.#preprocessor.open(req.target, sink);
  }

  /**
   * Round two. Every token and enrollment signature share, and every refusal, is written to
   * the signer's own hash-chained log (`signing-log.jsonl`) before the answer goes out. A
   * request naming a preprocessed commitment (`commitmentId`) consumes it before anything
   * else, so whoever presents it first uses it and every later presentation is refused.
   */
  async sign(req: SignRequest): Promise<SignResponse> {
    const { purpose } = req;
    if (
      purpose !== SigningPurpose.SIGNING_PURPOSE_ENROLLMENT &&
      purpose !== SigningPurpose.SIGNING_PURPOSE_TOKEN &&
      purpose !== SigningPurpose.SIGNING_PURPOSE_CHECKPOINT
    ) {
      this.witness.assertLogged();
      return this.dkg.signGroupConfig(req);
    }
    let issued: SigningNonces | undefined;
    try {
      // Consumed first, whatever follows: a presented id is spent (see `Preprocessor`).
      issued = req.commitmentId ? this.#takeIssued(req) : undefined;
      // A checkpoint is checked against the overdue tokens itself: it may prove them logged.
      if (purpose === SigningPurpose.SIGNING_PURPOSE_CHECKPOINT) {
        if (issued) {
          throw new ForbiddenError(
            'commitment_unknown',
            'a checkpoint is co-signed after round one, never with a preprocessed commitment',
          );
        }
        return await this.#signCheckpoint(req);
      }
      this.witness.assertLogged();
      return purpose === SigningPurpose.SIGNING_PURPOSE_ENROLLMENT
        ? await this.#signEnrollment(req, issued)
        : await this.#signToken(req, issued);
    } catch (err) {
      const code = err instanceof FrostmintError ? err.code : 'internal';
      await this.#journal.append({ kind: 'refused', requestId: req.requestId, code });
      throw err;
    } finally {
      issued?.hiding.fill(0);
      issued?.binding.fill(0);
    }
  }

  /**
   * `SignBatch`: every request checked and answered on its own, exactly as `sign` would;
   * a refusal is that request's answer and never fails the others.
   */
  async signBatch(
    req: SignBatchRequest,
    onEach?: (outcome: { seconds: number; err?: unknown }) => void,
  ): Promise<SignBatchResponse> {
    if (req.requests.length > MAX_SIGN_BATCH) {
      throw new InvalidRequestError(
        'sign_batch_too_large',
        `a batch takes at most ${MAX_SIGN_BATCH} requests, got ${req.requests.length}`,
      );
    }
    const results = await Promise.all(
      req.requests.map(async (one): Promise<SignBatchResponse['results'][number]> => {
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const value = await this.sign(one);
          onEach?.({ seconds: seconds() });
          return { outcome: { $case: 'response', value } };
        } catch (err) {
          onEach?.({ seconds: seconds(), err });
          return { outcome: { $case: 'refusal', value: toRefusal(err) } };
        }
      }),
    );
    return { results };
  }

  /** The preprocessed nonces a request names; its own listed commitment must match. */
  #takeIssued(req: SignRequest): SigningNonces {
    const listed = req.commitments.find((c) => c.signerId === this.#config.id);
    if (!listed) {
      throw new ForbiddenError(
        'commitment_missing',
        `commitment list omits signer ${this.#config.id}`,
      );
    }
    const own: SigningCommitment = {
      id: listed.signerId,
      hiding: listed.hiding,
      binding: listed.binding,
    };
    return this.#nonces.takeIssued(req.commitmentId, own);
  }

  async #signToken(req: SignRequest, issued?: SigningNonces): Promise<SignResponse> {
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
    const nonces = issued ?? this.#takeNonces(checked.own);
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
      signingInputSha256: this.witness.cosigned(checked.message),
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

  /**
   * Co-signs an audit-log checkpoint: the message must be a checkpoint of this signer's
   * origin that extends the last one it co-signed, with inclusion proofs of the tokens it
   * signed (see `LogWitness.cosignCheckpoint`).
   */
  async #signCheckpoint(req: SignRequest): Promise<SignResponse> {
    const group = this.#requireGroup();
    const commitments = checkCommitments(req, {
      threshold: group.config.threshold,
      participants: group.participants,
    });
    const own = commitments.find((c) => c.id === this.#config.id);
    if (!own) {
      throw new ForbiddenError(
        'commitment_missing',
        `commitment list omits signer ${this.#config.id}`,
      );
    }
    const share = await this.witness.cosignCheckpoint(req.message, req.checkpointProofs, () => {
      const nonces = this.#takeNonces(own);
      return this.#withShare(group, (s) =>
        group.frost.signShare(s, nonces, commitments, req.message),
      );
    });
    this.#log.info({ requestId: req.requestId }, 'checkpoint share issued');
    return { signerId: this.#config.id, signatureShare: Buffer.from(share) };
  }

  /** `Attest`: SEV-SNP evidence bound to the caller's nonce, this signer's TLS key and policy. */
  attest(req: AttestRequest): Promise<AttestResponse> {
    return this.#attestation.attest(req.nonce);
  }

  /** Co-signs an enrollment certificate after checking it (see checkEnrollmentRequest). */
  async #signEnrollment(req: SignRequest, issued?: SigningNonces): Promise<SignResponse> {
    const group = this.#requireGroup();
    const checked = await checkEnrollmentRequest(
      req,
      this.#signContext(group),
      this.#policyHolder().current,
      this.#log,
      this.#enrollmentProof,
    );
    const nonces = issued ?? this.#takeNonces(checked.own);
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
      signingInputSha256: this.witness.cosigned(checked.message),
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

  /** Ends every preprocessing stream (the signer is stopping); their nonces are wiped. */
  endStreams(): void {
    this.#preprocessor.closeAll();
  }

  async close(): Promise<void> {
    this.#preprocessor.closeAll();
    this.#nonces.close();
    this.#enrollmentProof.close();
    this.dkg.close();
    this.witness.close();
    await this.#journal.close();
    await this.#vault.close();
  }

  #install(config: GroupConfig): void {
    if (this.#group) {
      // Commitments handed out for the old key are void: end the streams, new epoch.
      this.#preprocessor.closeAll();
      this.#nonces.newEpoch();
    }
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
