import type { PeerCertificate } from 'node:tls';
import {
  type FrostmintError,
  fromServiceError,
  type MtlsFiles,
  mtlsChannelCredentials,
  traceInterceptors,
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
  type PreprocessRequest,
  type PreprocessResponse,
  type SignBatchRequest,
  type SignBatchResponse,
  SignerServiceClient,
  type SignRequest,
  type SignResponse,
  type UpdatePolicyRequest,
  type UpdatePolicyResponse,
} from '@frostmint/proto';
import {
  type CallOptions,
  type ClientReadableStream,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SignerEndpoint } from '../config.ts';

/** How long a signer that returned an invalid signature share stays excluded. */
const FAULTY_FOR_MS = 5 * 60_000;
/** Default of {@link SignerPoolOptions.degradedForMs}. */
export const DEFAULT_DEGRADED_FOR_MS = 10_000;
/**
 * gRPC reconnect backoff bounds: grpc-js defaults grow to 120 s, which kept a restarted
 * signer out of rotation for up to half a minute; capped at 1 s it is seen within a second.
 */
const RECONNECT_BACKOFF = {
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
} as const;
/** Degradations a successful health probe ends (the signer is reachable again). */
const TRANSPORT_DEGRADATIONS = new Set(['unavailable', 'timeout']);
/** Degradations that say a signer is not answering now (see `SignerPool.onSilent`). */
const SILENT_DEGRADATIONS = new Set([...TRANSPORT_DEGRADATIONS, 'slow']);
/** How often a signer that is not ready is probed (ready ones: every `healthIntervalMs`). */
const PROBE_INTERVAL_MS = 250;
/** Deadline of a health probe: a frozen signer is seen as unreachable within this. */
const PROBE_DEADLINE_MS = 1_000;

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
  signBatch: [SignBatchRequest, SignBatchResponse];
  dkgBegin: [DkgBeginRequest, DkgBeginResponse];
  dkgExchange: [DkgExchangeRequest, DkgExchangeResponse];
  dkgFinish: [DkgFinishRequest, DkgFinishResponse];
  dkgRelay: [DkgRelayRequest, DkgRelayResponse];
  dkgCommit: [DkgCommitRequest, DkgCommitResponse];
  dkgAbort: [DkgAbortRequest, DkgAbortResponse];
  updatePolicy: [UpdatePolicyRequest, UpdatePolicyResponse];
  attest: [AttestRequest, AttestResponse];
}
export type RpcName = keyof Rpcs;
type ReqOf<K extends RpcName> = Rpcs[K][0];
type ResOf<K extends RpcName> = Rpcs[K][1];

/**
 * Why a signer is degraded: it refused for a reason about itself, not the request
 * (`clock_skew`, `policy_mismatch`, `timeout`, `unavailable`, `slow`, or its refusal code).
 */
export interface SignerDegradation {
  readonly reason: string;
  readonly detail: string;
  readonly until: number;
}

export interface SignerStatus {
  readonly id: number;
  readonly address: string;
  readonly reachable: boolean | undefined;
  readonly ready: boolean;
  readonly detail: string;
  readonly faultyUntil?: number;
  readonly faultReason?: string;
  /** The signer's clock minus the coordinator's, measured from its last health answer. */
  readonly clockOffsetMs?: number;
  readonly degraded?: SignerDegradation;
}

interface Member {
  readonly endpoint: SignerEndpoint;
  readonly client: SignerServiceClient;
  reachable: boolean | undefined;
  ready: boolean;
  detail: string;
  faultyUntil: number;
  faultReason?: string;
  clockOffsetMs?: number;
  degraded?: SignerDegradation;
  /** Whether a `clock_skew` degradation came from the measured offset (not a refusal). */
  skewMeasured?: boolean;
  polledAt: number;
  polling: boolean;
}

/** Options of {@link SignerPool}. */
export interface SignerPoolOptions {
  /** Deadline of every RPC, milliseconds. */
  readonly deadlineMs: number;
  /** How often a ready signer's `Info` is polled; signers that are not ready every 250 ms. */
  readonly healthIntervalMs: number;
  /**
   * A signer whose clock is further than this from the coordinator's is left out before it
   * is asked (it would refuse the token's `iat`). Default 30 s, the signers' default skew.
   */
  readonly maxClockOffsetMs?: number;
  /**
   * How long a signer stays degraded (rounds prefer the others) after a refusal about
   * itself: skew, a policy rollout, slowness… Default 10 s.
   */
  readonly degradedForMs?: number;
  readonly log: Logger;
  /** Told of every RPC's outcome and duration (the metrics' per-signer latency and errors). */
  readonly onCall?: (call: SignerCallOutcome) => void;
}

/** One finished signer RPC: `code` is absent on success, else the stable error code. */
export interface SignerCallOutcome {
  readonly signer: number;
  readonly rpc: RpcName;
  readonly seconds: number;
  readonly code?: string;
}

/**
 * The coordinator's view of its signers: one mTLS gRPC client each (reconnect backoff
 * capped at 1 s), readiness and clock offset from periodic `Info` polls (every 250 ms while
 * a signer is not ready, so a restarted one rejoins within a second), a faulty list for
 * signers caught returning bad shares, and a degraded list for signers that refused for a
 * reason about themselves.
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
  readonly #healthIntervalMs: number;
  readonly #maxClockOffsetMs: number;
  readonly #degradedForMs: number;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  readonly #silentListeners = new Set<(id: number) => void>();
  readonly #onCall: ((call: SignerCallOutcome) => void) | undefined;

  constructor(endpoints: readonly SignerEndpoint[], tls: MtlsFiles, options: SignerPoolOptions) {
    this.#deadlineMs = options.deadlineMs;
    this.#healthIntervalMs = options.healthIntervalMs;
    this.#maxClockOffsetMs = options.maxClockOffsetMs ?? 30_000;
    this.#degradedForMs = options.degradedForMs ?? DEFAULT_DEGRADED_FOR_MS;
    this.#log = options.log;
    this.#onCall = options.onCall;
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
              ...RECONNECT_BACKOFF,
              // Calls made inside a trace get a span and carry `traceparent` (none when off).
              interceptors: traceInterceptors({ 'frostmint.signer.id': endpoint.id }),
            },
          ),
          reachable: undefined,
          ready: false,
          detail: 'not polled yet',
          faultyUntil: 0,
          polledAt: 0,
          polling: false,
        },
      ]),
    );
    this.#timer = setInterval(
      () => void this.#probeDue(),
      Math.min(PROBE_INTERVAL_MS, options.healthIntervalMs),
    );
    this.#timer.unref();
  }

  /** Polls every signer's `Info` once. */
  async refresh(): Promise<void> {
    await Promise.all([...this.#members.values()].map((m) => this.#poll(m)));
  }

  /** Polls the signers that are not ready, and ready ones whose last poll is old. */
  async #probeDue(now = Date.now()): Promise<void> {
    await Promise.all(
      [...this.#members.values()]
        .filter((m) => !m.ready || now - m.polledAt >= this.#healthIntervalMs)
        .map((m) => this.#poll(m)),
    );
  }

  async #poll(m: Member): Promise<void> {
    if (m.polling) return;
    m.polling = true;
    const sent = Date.now();
    try {
      const info = await this.call(m.endpoint.id, 'info', {}, PROBE_DEADLINE_MS);
      const received = Date.now();
      m.reachable = true;
      m.ready = info.ready;
      m.detail = info.detail;
      // It answers again: a degradation for being unreachable is over.
      if (info.ready && TRANSPORT_DEGRADATIONS.has(m.degraded?.reason ?? '')) delete m.degraded;
      // The signer read its clock somewhere between send and receipt: take the midpoint.
      if (info.unixTimeMs) this.#noteClock(m, info.unixTimeMs - (sent + received) / 2, received);
    } catch (err) {
      m.reachable = false;
      m.ready = false;
      m.detail = (err as Error).message;
      this.#wentSilent(m.endpoint.id);
    } finally {
      m.polledAt = Date.now();
      m.polling = false;
    }
  }

  #noteClock(m: Member, offsetMs: number, now: number): void {
    m.clockOffsetMs = Math.round(offsetMs);
    if (Math.abs(offsetMs) > this.#maxClockOffsetMs) {
      const detail = `clock ${(offsetMs / 1000).toFixed(1)} s off the coordinator's (tolerance ${this.#maxClockOffsetMs / 1000} s)`;
      if (m.degraded?.reason !== 'clock_skew') {
        this.#log.warn({ signer: m.endpoint.id, offsetMs: m.clockOffsetMs }, 'signer clock skewed');
      }
      // Measured, not a single refusal: it lasts at least until the next polls can end it.
      const until = now + Math.max(this.#degradedForMs, 2 * this.#healthIntervalMs);
      m.degraded = { reason: 'clock_skew', detail, until };
      m.skewMeasured = true;
    } else if (m.degraded?.reason === 'clock_skew' && m.skewMeasured) {
      // Only a skew this poll measured ends here: a signer that refused the token's `iat`
      // (its own tolerance may be tighter than ours) stays degraded for the whole window.
      delete m.degraded;
    }
  }

  /**
   * Ids of signers worth asking now: not known unreachable or unready, not faulty, and
   * with a clock within tolerance. Degraded signers (other reasons) come last.
   */
  candidates(now = Date.now()): number[] {
    return [...this.#members.values()]
      .filter(
        (m) =>
          m.faultyUntil <= now &&
          (m.reachable === undefined || m.ready) &&
          !(m.degraded?.reason === 'clock_skew' && m.degraded.until > now),
      )
      .sort(
        (a, b) =>
          Number(this.isDegraded(a.endpoint.id, now)) - Number(this.isDegraded(b.endpoint.id, now)),
      )
      .map((m) => m.endpoint.id);
  }

  /** True while a signer is degraded (see {@link SignerPool.markDegraded}). */
  isDegraded(id: number, now = Date.now()): boolean {
    const d = this.#members.get(id)?.degraded;
    return d !== undefined && d.until > now;
  }

  /**
   * Marks a signer degraded: it refused for a reason about itself, not the request, so
   * rounds prefer the others for a while. Shown in `/readyz` and the metrics.
   *
   * @example
   * ```ts
   * pool.markDegraded(3, 'policy_mismatch', 'signer 3 enforces another policy');
   * ```
   */
  markDegraded(id: number, reason: string, detail: string, now = Date.now()): void {
    const m = this.#members.get(id);
    if (!m) return;
    if (m.degraded?.reason !== reason || m.degraded.until <= now) {
      this.#log.warn({ signer: id, reason, detail }, 'signer degraded');
    }
    m.degraded = { reason, detail, until: now + this.#degradedForMs };
    m.skewMeasured = false;
    if (SILENT_DEGRADATIONS.has(reason)) this.#wentSilent(id);
  }

  /**
   * Calls `listener` with a signer's id whenever it is seen not answering: hedged around
   * (`slow`), timed out, or unreachable (a failed call or health probe). Rounds waiting on
   * that signer stop waiting. Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const off = pool.onSilent((id) => id === waitingOn && hedgeNow());
   * off();
   * ```
   */
  onSilent(listener: (id: number) => void): () => void {
    this.#silentListeners.add(listener);
    return () => this.#silentListeners.delete(listener);
  }

  #wentSilent(id: number): void {
    for (const listener of this.#silentListeners) listener(id);
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

  /**
   * Forgets every faulty mark: after a share refresh, shares checked against the previous
   * verifying shares were marked faulty although the signers were right.
   */
  clearFaulty(): void {
    for (const m of this.#members.values()) m.faultyUntil = 0;
  }

  /** Records that a call to a signer failed at the transport level. */
  markUnreachable(id: number, detail: string): void {
    const m = this.#members.get(id);
    if (!m) return;
    m.reachable = false;
    m.ready = false;
    m.detail = detail;
    this.#wentSilent(id);
  }

  status(now = Date.now()): SignerStatus[] {
    return [...this.#members.values()].map((m) => ({
      id: m.endpoint.id,
      address: m.endpoint.address,
      reachable: m.reachable,
      ready: m.ready,
      detail: m.detail,
      ...(m.faultyUntil > now ? { faultyUntil: m.faultyUntil, faultReason: m.faultReason } : {}),
      ...(m.clockOffsetMs !== undefined ? { clockOffsetMs: m.clockOffsetMs } : {}),
      ...(m.degraded && m.degraded.until > now ? { degraded: m.degraded } : {}),
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
    const sent = performance.now();
    const observe = (code?: string) =>
      this.#onCall?.({
        signer: id,
        rpc,
        seconds: (performance.now() - sent) / 1000,
        ...(code === undefined ? {} : { code }),
      });
    return new Promise((resolve, reject) => {
      const call = method(
        req,
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err, res) => {
          if (err) {
            const failure = fromServiceError(err, peer) satisfies FrostmintError;
            observe(failure.code);
            reject(failure);
          } else {
            observe();
            resolve({ res, peerCertificate: peerCertificateOf(call) });
          }
        },
      );
    });
  }

  /**
   * Opens signer `id`'s `PreprocessCommitments` stream (no deadline: it lasts until either
   * side ends it); undefined for an unknown signer.
   *
   * @example
   * ```ts
   * pool.preprocess(1, { target: 64 })?.on('data', (batch) => keep(batch));
   * ```
   */
  preprocess(
    id: number,
    req: PreprocessRequest,
  ): ClientReadableStream<PreprocessResponse> | undefined {
    return this.#members.get(id)?.client.preprocessCommitments(req);
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
