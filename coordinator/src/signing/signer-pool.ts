import type { PeerCertificate } from 'node:tls';
import {
  type FrostmintError,
  fromServiceError,
  type MtlsFiles,
  mtlsChannelCredentials,
} from '@frostmint/core';
import {
  type AttestRequest,
  type AttestResponse,
  type CommitRequest,
  type CommitResponse,
  type DkgAbortRequest,
  type DkgAbortResponse,
  type DkgBeginRequest,
  type DkgBeginResponse,
  type DkgCommitRequest,
  type DkgCommitResponse,
  type DkgExchangeRequest,
  type DkgExchangeResponse,
  type DkgFinishRequest,
  type DkgFinishResponse,
  type DkgRelayRequest,
  type DkgRelayResponse,
  type InfoRequest,
  type InfoResponse,
  SignerServiceClient,
  type SignRequest,
  type SignResponse,
  type UpdatePolicyRequest,
  type UpdatePolicyResponse,
} from '@frostmint/proto';
import { type CallOptions, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SignerEndpoint } from '../config.ts';

/** How long a signer that returned an invalid signature share stays excluded. */
const FAULTY_FOR_MS = 5 * 60_000;

type Unary<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;
interface Rpcs {
  info: [InfoRequest, InfoResponse];
  commit: [CommitRequest, CommitResponse];
  sign: [SignRequest, SignResponse];
  dkgBegin: [DkgBeginRequest, DkgBeginResponse];
  dkgExchange: [DkgExchangeRequest, DkgExchangeResponse];
  dkgFinish: [DkgFinishRequest, DkgFinishResponse];
  dkgRelay: [DkgRelayRequest, DkgRelayResponse];
  dkgCommit: [DkgCommitRequest, DkgCommitResponse];
  dkgAbort: [DkgAbortRequest, DkgAbortResponse];
  updatePolicy: [UpdatePolicyRequest, UpdatePolicyResponse];
  attest: [AttestRequest, AttestResponse];
}
type RpcName = keyof Rpcs;
type ReqOf<K extends RpcName> = Rpcs[K][0];
type ResOf<K extends RpcName> = Rpcs[K][1];

export interface SignerStatus {
  readonly id: number;
  readonly address: string;
  readonly reachable: boolean | undefined;
  readonly ready: boolean;
  readonly detail: string;
  readonly faultyUntil?: number;
  readonly faultReason?: string;
}

interface Member {
  readonly endpoint: SignerEndpoint;
  readonly client: SignerServiceClient;
  reachable: boolean | undefined;
  ready: boolean;
  detail: string;
  faultyUntil: number;
  faultReason?: string;
}

/**
 * The coordinator's view of its signers: one mTLS gRPC client each, readiness from
 * periodic `Info` polls, and a faulty list for signers caught returning bad shares.
 *
 * @example
 * ```ts
 * const pool = new SignerPool(config.signers, config.tls, { deadlineMs: 2000, healthIntervalMs: 2000, log });
 * const res = await pool.call(1, 'commit', { requestId });
 * ```
 */
export class SignerPool {
  readonly #members: Map<number, Member>;
  readonly #deadlineMs: number;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;

  constructor(
    endpoints: readonly SignerEndpoint[],
    tls: MtlsFiles,
    options: { deadlineMs: number; healthIntervalMs: number; log: Logger },
  ) {
    this.#deadlineMs = options.deadlineMs;
    this.#log = options.log;
    this.#members = new Map(
      endpoints.map((endpoint) => [
        endpoint.id,
        {
          endpoint,
          client: new SignerServiceClient(
            endpoint.address,
            mtlsChannelCredentials(tls, endpoint.tlsName),
            {
              'grpc.ssl_target_name_override': endpoint.tlsName,
              'grpc.default_authority': endpoint.tlsName,
            },
          ),
          reachable: undefined,
          ready: false,
          detail: 'not polled yet',
          faultyUntil: 0,
        },
      ]),
    );
    this.#timer = setInterval(() => void this.refresh(), options.healthIntervalMs);
    this.#timer.unref();
  }

  /** Polls every signer's `Info` once. */
  async refresh(): Promise<void> {
    await Promise.all(
      [...this.#members.values()].map(async (m) => {
        try {
          const info = await this.call(m.endpoint.id, 'info', {});
          m.reachable = true;
          m.ready = info.ready;
          m.detail = info.detail;
        } catch (err) {
          m.reachable = false;
          m.ready = false;
          m.detail = (err as Error).message;
        }
      }),
    );
  }

  /** Ids of signers worth asking now: not known unreachable or unready, and not faulty. */
  candidates(now = Date.now()): number[] {
    return [...this.#members.values()]
      .filter((m) => m.faultyUntil <= now && (m.reachable === undefined || m.ready))
      .map((m) => m.endpoint.id);
  }

  ids(): number[] {
    return [...this.#members.keys()];
  }

  /** Excludes a signer that returned an invalid signature share. */
  markFaulty(id: number, reason: string, now = Date.now()): void {
    const m = this.#members.get(id);
    if (!m) return;
    m.faultyUntil = now + FAULTY_FOR_MS;
    m.faultReason = reason;
    this.#log.error({ signer: id, reason }, 'signer marked faulty');
  }

  /** Records that a call to a signer failed at the transport level. */
  markUnreachable(id: number, detail: string): void {
    const m = this.#members.get(id);
    if (!m) return;
    m.reachable = false;
    m.ready = false;
    m.detail = detail;
  }

  status(now = Date.now()): SignerStatus[] {
    return [...this.#members.values()].map((m) => ({
      id: m.endpoint.id,
      address: m.endpoint.address,
      reachable: m.reachable,
      ready: m.ready,
      detail: m.detail,
      ...(m.faultyUntil > now ? { faultyUntil: m.faultyUntil, faultReason: m.faultReason } : {}),
    }));
  }

  /** One unary RPC with the pool's deadline; failures become typed `FrostmintError`s. */
  call<K extends RpcName>(
    id: number,
    rpc: K,
    req: ReqOf<K>,
    deadlineMs = this.#deadlineMs,
  ): Promise<ResOf<K>> {
    return this.callWithPeer(id, rpc, req, deadlineMs).then((r) => r.res);
  }

  /**
   * `call`, also returning the certificate the signer presented on this TLS connection
   * (attestation binds evidence to that key).
   *
   * @example
   * ```ts
   * const { res, peerCertificate } = await pool.callWithPeer(1, 'attest', { nonce });
   * ```
   */
  callWithPeer<K extends RpcName>(
    id: number,
    rpc: K,
    req: ReqOf<K>,
    deadlineMs = this.#deadlineMs,
  ): Promise<{ res: ResOf<K>; peerCertificate: PeerCertificate | undefined }> {
    const m = this.#members.get(id);
    if (!m) return Promise.reject(new Error(`unknown signer ${id}`));
    const method = m.client[rpc].bind(m.client) as unknown as Unary<ReqOf<K>, ResOf<K>>;
    const peer = `signer ${id}`;
    return new Promise((resolve, reject) => {
      const call = method(req, new Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) =>
        err
          ? reject(fromServiceError(err, peer) satisfies FrostmintError)
          : resolve({ res, peerCertificate: peerCertificateOf(call) }),
      );
    });
  }

  close(): void {
    clearInterval(this.#timer);
    for (const m of this.#members.values()) m.client.close();
  }
}

function peerCertificateOf(call: unknown): PeerCertificate | undefined {
  const withAuth = call as {
    getAuthContext?: () => { sslPeerCertificate?: PeerCertificate } | null;
  };
  return withAuth.getAuthContext?.()?.sslPeerCertificate;
}
