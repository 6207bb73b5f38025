import {
  ConflictError,
  type DkgEnvelopeKey,
  type DkgState,
  decodeDkgRound1,
  dkgAbort,
  dkgPart1,
  dkgPart2,
  dkgPart3,
  encodeDkgRound1,
  ForbiddenError,
  type GroupConfig,
  generateDkgEnvelopeKey,
  groupConfigOf,
  groupJwk,
  InvalidRequestError,
  openDkgPackage,
  sealDkgPackage,
  writeGroupConfig,
} from '@frostmint/core';
import type {
  DkgBeginRequest,
  DkgBeginResponse,
  DkgExchangeRequest,
  DkgExchangeResponse,
  DkgFinishRequest,
  DkgFinishResponse,
  DkgParams,
} from '@frostmint/proto';
import type { Logger } from 'pino';
import type { SignerConfig } from './config.ts';
import { signAnnouncement, verifyAnnouncement } from './dkg-identity.ts';

import type { ShareVault } from './vault/index.ts';

/** A DKG run that has not finished within this time is aborted and wiped. */
const SESSION_TTL_MS = 5 * 60_000;

interface Session {
  readonly params: DkgParams;
  readonly key: DkgEnvelopeKey;
  state: DkgState;
  round1: Map<number, Uint8Array>;
  readonly timer: NodeJS.Timeout;
}

export interface DkgDeps {
  readonly config: SignerConfig;
  readonly vault: ShareVault;
  readonly log: Logger;
  readonly tls: { keyPem: string; certPem: string; caPem: string };
  readonly hasGroup: () => boolean;
  readonly onGroup: (config: GroupConfig) => void;
}

/**
 * This signer's side of distributed key generation (no dealer). The coordinator relays
 * messages between signers but can read none of the secret ones: round-two packages are
 * sealed (HPKE) to keys announced under each signer's TLS certificate. Nothing is written
 * until the final step, so an aborted run leaves nothing behind.
 */
export class DkgCoordinatorFacing {
  readonly #deps: DkgDeps;
  #session: Session | undefined;

  constructor(deps: DkgDeps) {
    this.#deps = deps;
  }

  async begin(req: DkgBeginRequest): Promise<DkgBeginResponse> {
    const params = this.#checkParams(req.params);
    if (this.#deps.hasGroup()) {
      throw new ConflictError('dkg_group_exists', 'this signer already holds a group key');
    }
    this.abort('superseded by a new DKG run');
    const { id } = this.#deps.config;
    const { state, broadcast } = dkgPart1(id, {
      threshold: params.threshold,
      maxSigners: params.participants.length,
    });
    const key = await generateDkgEnvelopeKey();
    const round1 = encodeDkgRound1(broadcast);
    const timer = setTimeout(() => this.abort('timed out'), SESSION_TTL_MS);
    timer.unref();
    this.#session = { params, key, state, round1: new Map([[id, round1]]), timer };
    const { keyPem, certPem } = this.#deps.tls;
    const announcement = signAnnouncement(
      params,
      { signerId: id, round1: Buffer.from(round1), envelopePublicKey: Buffer.from(key.publicKey) },
      keyPem,
      certPem,
    );
    return { announcement };
  }

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
    for (const a of others) verifyAnnouncement(session.params, a, this.#deps.tls.caPem);
    const round1 = others.map((a) => decodeDkgRound1(a.round1));
    const { state, packages } = dkgPart2(session.state, round1);
    session.state = state;
    for (const a of others) session.round1.set(a.signerId, a.round1);
    const sealed = await Promise.all(
      packages.map(async (pkg) => {
        const to = others.find((a) => a.signerId === pkg.to)!;
        const bytes = await sealDkgPackage(to.envelopePublicKey, pkg, session.params.sessionId);
        pkg.signingShare.fill(0);
        return { fromSignerId: id, toSignerId: pkg.to, sealed: Buffer.from(bytes) };
      }),
    );
    return { packages: sealed };
  }

  async finish(req: DkgFinishRequest): Promise<DkgFinishResponse> {
    const session = this.#current(req.params);
    const { id } = this.#deps.config;
    const sessionId = session.params.sessionId;
    const received = await Promise.all(
      req.packages
        .filter((p) => p.toSignerId === id)
        .map((p) =>
          openDkgPackage(session.key.privateKey, p.sealed, {
            sessionId,
            from: p.fromSignerId,
            to: id,
          }),
        ),
    );
    const othersRound1 = [...session.round1]
      .filter(([signer]) => signer !== id)
      .map(([, bytes]) => decodeDkgRound1(bytes));
    try {
      const { share, group } = dkgPart3(session.state, othersRound1, received);
      const { kid } = await groupJwk(group.groupKey);
      const config = groupConfigOf(group, kid);
      try {
        await this.#deps.vault.store({ kid, signerId: id }, share.signingShare);
      } finally {
        share.signingShare.fill(0);
      }
      await writeGroupConfig(this.#deps.config.stateDir, config);
      this.#deps.onGroup(config);
      this.#deps.log.info({ kid }, 'DKG complete: share sealed, group configuration written');
      return {
        kid,
        groupPublicKey: Buffer.from(group.groupKey),
        verifyingShares: [...group.verifyingShares]
          .sort(([a], [b]) => a - b)
          .map(([signerId, key]) => ({ signerId, verifyingShare: Buffer.from(key) })),
      };
    } finally {
      for (const pkg of received) pkg.signingShare.fill(0);
      this.#clear();
    }
  }

  /** Wipes any DKG run in progress. */
  abort(reason: string): void {
    if (!this.#session) return;
    this.#deps.log.warn({ reason }, 'DKG run aborted');
    this.#clear();
  }

  close(): void {
    this.#clear();
  }

  #clear(): void {
    if (!this.#session) return;
    clearTimeout(this.#session.timer);
    dkgAbort(this.#session.state);
    this.#session = undefined;
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
        'no DKG run with this session id is in progress here',
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
        'DKG needs a 16..64-byte session id, 2 ≤ threshold ≤ participants, distinct ids including this signer',
      );
    }
    return params;
  }
}
