import {
  ConflictError,
  ceremonyOutcome,
  type DkgEnvelopeKey,
  type DkgRound2Package,
  ForbiddenError,
  type GroupConfig,
  GroupConfigV2Schema,
  generateDkgEnvelopeKey,
  groupConfigSigningInput,
  groupJwk,
  InvalidRequestError,
  openDkgPackage,
  sealDkgPackage,
  verifyGroupConfig,
  writeGroupConfig,
} from '@frostmint/core';
import type {
  DkgAbortRequest,
  DkgAbortResponse,
  DkgBeginRequest,
  DkgBeginResponse,
  DkgCommitRequest,
  DkgCommitResponse,
  DkgExchangeRequest,
  DkgExchangeResponse,
  DkgFinishRequest,
  DkgFinishResponse,
  DkgParams,
  DkgRelayRequest,
  DkgRelayResponse,
  SealedDkgPackage,
  SignRequest,
  SignResponse,
} from '@frostmint/proto';
import { SigningPurpose } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { SignerAttestation } from './attestation/signer-attestation.ts';
import { type AuthorizedCeremony, authorizeCeremony } from './ceremony/authorize.ts';
import { DEV_UNGUARDED } from './ceremony/guardians-config.ts';
import { type PendingResult, pendingResult, signPendingConfig } from './ceremony/pending.ts';
import type { CeremonyProtocol } from './ceremony/protocol.ts';
import { protocolFor } from './ceremony/protocols/index.ts';
import type { SignerConfig } from './config.ts';
import { signAnnouncement, verifyAnnouncement } from './dkg-identity.ts';
import type { ShareVault } from './vault/index.ts';

/** A ceremony that has not committed within this time is aborted and wiped. */
const SESSION_TTL_MS = 5 * 60_000;

interface Session {
  readonly params: DkgParams;
  readonly ceremony: AuthorizedCeremony;
  readonly protocol: CeremonyProtocol;
  readonly key: DkgEnvelopeKey;
  readonly round1: Map<number, Uint8Array>;
  readonly envelopeKeys: Map<number, Uint8Array>;
  readonly timer: NodeJS.Timeout;
  pending?: PendingResult;
}

export interface DkgDeps {
  readonly config: SignerConfig;
  readonly vault: ShareVault;
  readonly log: Logger;
  readonly tls: { keyPem: string; certPem: string; caPem: string };
  /** The group configuration this signer holds, if any. */
  readonly group: () => GroupConfig | undefined;
  readonly onGroup: (config: GroupConfig) => void;
  /** Attaches evidence to announcements; verifies peers' when `requirePeerAttestation`. */
  readonly attestation: SignerAttestation;
  readonly now?: () => number;
}

/**
 * This signer's side of every key ceremony (DKG, share refresh, signer replacement), with
 * the coordinator treated as a hostile relay:
 *
 * 1. `begin`: checks the transcript and the guardians' approvals itself, then announces a
 *    round-one message and an HPKE key, signed with its TLS key;
 * 2. `exchange` (and `relay` for repair): checks the other announcements against the CA and
 *    the transcript's certificate pins, and returns packages sealed to each recipient;
 * 3. `finish`: derives the result and keeps it PENDING in memory, with a nonce commitment;
 * 4. `Sign` with purpose GROUP_CONFIG: signs only the configuration it computed itself;
 * 5. `commit`: given that configuration signed by the group key, seals the share and writes
 *    the configuration. Until then nothing is written, so an abort (explicit, by timeout
 *    or by a restart) leaves this signer exactly as it was.
 *
 * @example
 * ```ts
 * const dkg = new DkgCoordinatorFacing({ config, vault, log, tls, group: () => current, onGroup });
 * const { announcement } = await dkg.begin(req);
 * ```
 */
export class DkgCoordinatorFacing {
  readonly #deps: DkgDeps;
  #session: Session | undefined;

  constructor(deps: DkgDeps) {
    this.#deps = deps;
    if (deps.config.guardians === DEV_UNGUARDED) {
      deps.log.warn(
        'DEV-UNGUARDED SIGNER: a first DKG runs WITHOUT guardian approval (guardians: "dev-unguarded"). Local demo only.',
      );
    }
  }

  /**
   * Step 1: authorizes the ceremony (see `authorizeCeremony`) and announces this signer.
   *
   * @example
   * ```ts
   * const { announcement } = await dkg.begin({ params, authorization, groupConfig });
   * ```
   */
  async begin(req: DkgBeginRequest): Promise<DkgBeginResponse> {
    const params = this.#checkParams(req.params);
    const { config, tls } = this.#deps;
    const ceremony = await authorizeCeremony(req, {
      signerId: config.id,
      certificatePem: tls.certPem,
      guardians: config.guardians,
      group: this.#deps.group(),
      now: new Date(this.#now()),
    });
    this.abort('superseded by a new ceremony');
    const protocol = protocolFor(ceremony, config.id, (use) => this.#withCurrentShare(use));
    const key = await generateDkgEnvelopeKey();
    const round1 = protocol.round1();
    const timer = setTimeout(() => this.abort('timed out'), SESSION_TTL_MS);
    timer.unref();
    this.#session = {
      params,
      ceremony,
      protocol,
      key,
      round1: new Map(),
      envelopeKeys: new Map(),
      timer,
    };
    this.#logAuthorized(ceremony);
    const attestation = await this.#deps.attestation.forDkg(params.sessionId);
    const signed = signAnnouncement(
      params,
      {
        signerId: config.id,
        round1: Buffer.from(round1),
        envelopePublicKey: Buffer.from(key.publicKey),
      },
      tls.keyPem,
      tls.certPem,
    );
    return { announcement: { ...signed, attestation } };
  }

  /**
   * Step 2: checks the other announcements, returns this signer's sealed packages.
   *
   * @example
   * ```ts
   * const { packages } = await dkg.exchange({ params, announcements });
   * ```
   */
  async exchange(req: DkgExchangeRequest): Promise<DkgExchangeResponse> {
    const session = this.#current(req.params);
    const { id } = this.#deps.config;
    const others = req.announcements.filter((a) => a.signerId !== id);
    const expected = session.params.participants.filter((p) => p !== id);
    if (
      others.length !== expected.length ||
      !expected.every((p) => others.some((a) => a.signerId === p))
    ) {
      throw new InvalidRequestError(
        'dkg_announcements_invalid',
        'need exactly one announcement from every other signer',
      );
    }
    const pins = session.ceremony.transcript.signers;
    for (const a of others) {
      const pinned = pins.find((s) => s.id === a.signerId)!.certificateSha256;
      verifyAnnouncement(session.params, a, this.#deps.tls.caPem, pinned);
      // Attested before any DKG material is sealed to it (issue 8, "Use").
      if (this.#deps.config.requirePeerAttestation) {
        await this.#deps.attestation.verifyPeer(
          a.signerId,
          a.attestation,
          a.certificatePem,
          session.params.sessionId,
        );
      }
      session.round1.set(a.signerId, a.round1);
      session.envelopeKeys.set(a.signerId, a.envelopePublicKey);
    }
    return { packages: await this.#seal(session, await session.protocol.exchange(session.round1)) };
  }

  /**
   * replace-signer, at a helper: turns the parts sealed to it into its sum sealed to the
   * replacement.
   *
   * @example
   * ```ts
   * const { packages } = await dkg.relay({ params, packages: partsForMe });
   * ```
   */
  async relay(req: DkgRelayRequest): Promise<DkgRelayResponse> {
    const session = this.#current(req.params);
    const received = await this.#open(session, req.packages);
    try {
      return { packages: await this.#seal(session, await session.protocol.relay(received)) };
    } finally {
      for (const pkg of received) pkg.signingShare.fill(0);
    }
  }

  /**
   * Step 3: derives the result and keeps it pending (nothing written); returns the public
   * result and a nonce commitment for signing the new group configuration.
   *
   * @example
   * ```ts
   * const { kid, commitment } = await dkg.finish({ params, packages: packagesForMe });
   * ```
   */
  async finish(req: DkgFinishRequest): Promise<DkgFinishResponse> {
    const session = this.#current(req.params);
    const received = await this.#open(session, req.packages);
    try {
      const result = await session.protocol.finish(received);
      const { kid } = await groupJwk(result.group.groupKey);
      const acted = session.ceremony.group;
      if (acted && (kid !== acted.kid || result.group.threshold !== acted.threshold)) {
        throw new ForbiddenError('ceremony_group_changed', 'the ceremony changed the group key');
      }
      const config = ceremonyOutcome(session.ceremony.transcript, result.group, kid);
      session.pending = await pendingResult(this.#deps.config.id, config, result.share, (use) =>
        this.#withCurrentShare(use),
      );
      return {
        kid,
        groupPublicKey: Buffer.from(result.group.groupKey),
        verifyingShares: Object.entries(config.verifyingShares).map(([signerId, key]) => ({
          signerId: Number(signerId),
          verifyingShare: Buffer.from(key, 'base64url'),
        })),
        commitment: {
          signerId: this.#deps.config.id,
          hiding: Buffer.from(session.pending.commitment.hiding),
          binding: Buffer.from(session.pending.commitment.binding),
        },
      };
    } catch (err) {
      this.abort(`finish failed: ${(err as Error).message}`);
      throw err;
    } finally {
      for (const pkg of received) pkg.signingShare.fill(0);
    }
  }

  /**
   * Step 4. Any `Sign` whose purpose is not a token lands here: only
   * `SIGNING_PURPOSE_GROUP_CONFIG` for the pending ceremony is answered, for the
   * configuration this signer computed.
   *
   * @example
   * ```ts
   * if (req.purpose !== SigningPurpose.SIGNING_PURPOSE_TOKEN) return dkg.signGroupConfig(req);
   * ```
   */
  async signGroupConfig(req: SignRequest): Promise<SignResponse> {
    if (req.purpose !== SigningPurpose.SIGNING_PURPOSE_GROUP_CONFIG) {
      throw new InvalidRequestError(
        'signing_purpose_unknown',
        `unknown signing purpose ${req.purpose}`,
      );
    }
    const session = this.#session;
    if (!session?.pending) {
      throw new ForbiddenError(
        'ceremony_not_pending',
        'no key ceremony result is pending here; this signer signs nothing but tokens',
      );
    }
    const participants = session.ceremony.transcript.signers.map((s) => s.id);
    const signatureShare = await signPendingConfig(session.pending, req, participants, (use) =>
      this.#withCurrentShare(use),
    );
    return { signerId: this.#deps.config.id, signatureShare: Buffer.from(signatureShare) };
  }

  /**
   * Step 5: checks the signed group configuration against the pending result, then seals
   * the share and writes the configuration. Answers a repeated commit of the same
   * ceremony with the same result.
   *
   * @example
   * ```ts
   * const { kid, epoch } = await dkg.commit({ params, groupConfig: Buffer.from(JSON.stringify(signed)) });
   * ```
   */
  async commit(req: DkgCommitRequest): Promise<DkgCommitResponse> {
    const committed = this.#alreadyCommitted(req.params);
    if (committed) return committed;
    const session = this.#current(req.params);
    const pending = session.pending;
    if (!pending) throw new ForbiddenError('ceremony_not_pending', 'nothing to commit yet');
    const parsed = GroupConfigV2Schema.safeParse(
      JSON.parse(Buffer.from(req.groupConfig).toString('utf8')),
    );
    if (!parsed.success)
      throw new InvalidRequestError('group_config_invalid', 'the group configuration is malformed');
    await verifyGroupConfig(parsed.data);
    if (!groupConfigSigningInput(parsed.data).equals(pending.message)) {
      throw new ForbiddenError(
        'ceremony_config_mismatch',
        'the signed group configuration is not the one this signer computed',
      );
    }
    const { id, stateDir } = this.#deps.config;
    if (pending.share)
      await this.#deps.vault.store(
        { kid: parsed.data.kid, signerId: id },
        pending.share.signingShare,
      );
    await writeGroupConfig(stateDir, parsed.data);
    this.#deps.onGroup(parsed.data);
    this.#clear();
    this.#deps.log.info(
      { kid: parsed.data.kid, epoch: parsed.data.epoch, kind: parsed.data.ceremony.kind },
      'key ceremony committed: share sealed, signed group configuration written',
    );
    return { kid: parsed.data.kid, epoch: parsed.data.epoch };
  }

  /**
   * The coordinator's abort: wipes the pending ceremony with this session id, if any.
   *
   * @example
   * ```ts
   * await dkg.abortRequest({ params, reason: 'signer 3 unreachable' });
   * ```
   */
  async abortRequest(req: DkgAbortRequest): Promise<DkgAbortResponse> {
    const session = this.#session;
    if (
      session &&
      req.params &&
      Buffer.from(req.params.sessionId).equals(Buffer.from(session.params.sessionId))
    )
      this.abort(`coordinator: ${req.reason || 'aborted'}`);
    return {};
  }

  /** Wipes any ceremony in progress. */
  abort(reason: string): void {
    if (!this.#session) return;
    this.#deps.log.warn({ reason }, 'key ceremony aborted: nothing written');
    this.#clear();
  }

  close(): void {
    this.#clear();
  }

  #clear(): void {
    const session = this.#session;
    if (!session) return;
    clearTimeout(session.timer);
    session.protocol.wipe();
    session.pending?.wipe();
    this.#session = undefined;
  }

  /** A commit retried after it succeeded answers the same, so the coordinator may retry. */
  #alreadyCommitted(params: DkgParams | undefined): DkgCommitResponse | undefined {
    const group = this.#deps.group();
    if (!params || this.#session || group?.version !== 2) return undefined;
    return group.ceremony.id === Buffer.from(params.sessionId).toString('base64url')
      ? { kid: group.kid, epoch: group.epoch }
      : undefined;
  }

  async #seal(session: Session, packages: DkgRound2Package[]): Promise<SealedDkgPackage[]> {
    try {
      return await Promise.all(
        packages.map(async (pkg) => {
          const to = session.envelopeKeys.get(pkg.to);
          if (!to)
            throw new InvalidRequestError('dkg_announcements_invalid', `no key for ${pkg.to}`);
          const sealed = await sealDkgPackage(to, pkg, session.params.sessionId);
          return { fromSignerId: pkg.from, toSignerId: pkg.to, sealed: Buffer.from(sealed) };
        }),
      );
    } finally {
      for (const pkg of packages) pkg.signingShare.fill(0);
    }
  }

  #open(session: Session, packages: readonly SealedDkgPackage[]): Promise<DkgRound2Package[]> {
    const { id } = this.#deps.config;
    return Promise.all(
      packages
        .filter((p) => p.toSignerId === id)
        .map((p) =>
          openDkgPackage(session.key.privateKey, p.sealed, {
            sessionId: session.params.sessionId,
            from: p.fromSignerId,
            to: id,
          }),
        ),
    );
  }

  #withCurrentShare<T>(use: (share: { id: number; signingShare: Uint8Array }) => T): Promise<T> {
    const group = this.#session?.ceremony.group ?? this.#deps.group();
    if (!group) throw new ConflictError('signer_share_missing', 'this signer holds no share');
    const id = this.#deps.config.id;
    return this.#deps.vault.withShare({ kid: group.kid, signerId: id }, (signingShare) =>
      use({ id, signingShare }),
    );
  }

  #logAuthorized(ceremony: AuthorizedCeremony): void {
    const { transcript, approvedBy, role } = ceremony;
    const fields = { kind: transcript.kind, role, ceremonyId: transcript.ceremonyId };
    if (approvedBy.length === 0) {
      this.#deps.log.warn(fields, 'DEV-UNGUARDED key ceremony: no guardian approved it');
    } else {
      this.#deps.log.info({ ...fields, approvedBy }, 'key ceremony approved by guardians');
    }
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  #current(params: DkgParams | undefined): Session {
    const session = this.#session;
    if (
      !session ||
      !params ||
      !Buffer.from(params.sessionId).equals(Buffer.from(session.params.sessionId))
    ) {
      throw new ForbiddenError(
        'dkg_session_unknown',
        'no key ceremony with this session id is in progress here',
      );
    }
    return session;
  }

  #checkParams(params: DkgParams | undefined): DkgParams {
    const { id } = this.#deps.config;
    if (
      !params ||
      params.sessionId.length < 16 ||
      params.sessionId.length > 64 ||
      params.threshold < 2 ||
      params.threshold > params.participants.length ||
      new Set(params.participants).size !== params.participants.length ||
      !params.participants.includes(id)
    ) {
      throw new InvalidRequestError(
        'dkg_params_invalid',
        'a ceremony needs a 16..64-byte session id, 2 ≤ threshold ≤ participants, distinct ids including this signer',
      );
    }
    return params;
  }
}
