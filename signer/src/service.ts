import {
  type Correlation,
  correlate,
  currentTraceId,
  inCallerSpan,
  toServiceError,
  UnauthenticatedError,
  withCorrelation,
} from '@frostmint/core';
import {
  type PreprocessRequest,
  type PreprocessResponse,
  type SignerServiceServer,
  SignerServiceService,
} from '@frostmint/proto';
import type {
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SignerDaemon } from './daemon.ts';
import type { SignerRpcOutcome } from './metrics.ts';

type Handler<Req, Res> = (req: Req) => Promise<Res>;

/** `frostmint.signer.v1.SignerService`: span names are `<service>/<method>` (RPC conventions). */
const SERVICE = SignerServiceService.info.path.split('/')[1]!;

/**
 * Adapts a `SignerDaemon` to the generated gRPC service: checks that the peer's client
 * certificate names the coordinator, runs the handler, and turns typed errors into gRPC
 * statuses carrying the stable code (unknown errors are logged and answered `internal`).
 *
 * @example
 * ```ts
 * server.addService(SignerServiceService, signerService(daemon, { coordinatorName, log }));
 * ```
 */
export function signerService(
  daemon: SignerDaemon,
  options: {
    coordinatorName: string;
    log: Logger;
    /**
     * Told of every answer (the signer's metrics): RPC, time taken, stable code when refused.
     * Each request of a `SignBatch` is answered as a `Sign` too.
     */
    onAnswer?: (answer: SignerRpcOutcome) => void;
    /** Told of every call received, streams included (the signer's call counter). */
    onCall?: (rpc: string) => void;
  },
): SignerServiceServer & UntypedServiceImplementation {
  const refused = (rpc: string, err: unknown): string => {
    const wire = toServiceError(err);
    const code = String(wire.metadata?.get('frostmint-code')[0] ?? 'internal');
    if (code === 'internal') options.log.error({ err, rpc }, 'signer RPC failed');
    else options.log.warn({ rpc, code, reason: wire.details }, 'signer refused');
    return code;
  };
  const unary =
    <Req, Res>(name: string, handler: Handler<Req, Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      options.onCall?.(name);
      const started = performance.now();
      const answered = (code?: string) =>
        options.onAnswer?.({
          rpc: name,
          seconds: (performance.now() - started) / 1000,
          ...(code === undefined ? {} : { code }),
        });
      const run = async () => {
        checkPeer(call, options.coordinatorName);
        // Only the coordinator's trace context is taken (after the peer check): its span
        // is the parent of this call's, and the call's log lines carry its trace id.
        return inCallerSpan(call.metadata, `${SERVICE}/${name}`, () => {
          const traceId = currentTraceId();
          if (traceId) correlate({ trace_id: traceId });
          return handler(call.request);
        });
      };
      // The answer's log line (`signer refused`) is inside the call's correlation too.
      withCorrelation(requestIdOf(call.request), () =>
        run().then(
          (res) => {
            answered();
            callback(null, res);
          },
          (err: unknown) => {
            answered(refused(name, err));
            callback(toServiceError(err));
          },
        ),
      );
    };
  /** One batched request answered, counted and logged as a unary `Sign` would be. */
  const onEach = ({ seconds, err }: { seconds: number; err?: unknown }) =>
    options.onAnswer?.({
      rpc: 'Sign',
      seconds,
      ...(err === undefined ? {} : { code: refused('Sign', err) }),
    });
  /** `PreprocessCommitments`: the stream stays open until either side ends it. */
  const preprocess = (call: ServerWritableStream<PreprocessRequest, PreprocessResponse>) => {
    options.onCall?.('PreprocessCommitments');
    const started = performance.now();
    let ended = false;
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      options.onAnswer?.({
        rpc: 'PreprocessCommitments',
        seconds: (performance.now() - started) / 1000,
        ...(err === undefined ? {} : { code: refused('PreprocessCommitments', err) }),
      });
      // grpc-js sends an 'error' emitted on a server stream as the call's status.
      if (err !== undefined) call.emit('error', toServiceError(err));
      else call.end();
    };
    try {
      checkPeer(call, options.coordinatorName);
      const close = daemon.preprocess(call.request, {
        send: (batch) => {
          if (ended || call.cancelled || call.destroyed) return false;
          call.write(batch);
          return true;
        },
        fail: (err) => end(err),
      });
      call.on('cancelled', () => {
        close();
        end();
      });
      call.on('close', () => {
        close();
        end();
      });
    } catch (err) {
      end(err);
    }
  };
  return {
    info: unary('Info', () => daemon.info()),
    commit: unary('Commit', (req) => daemon.commit(req)),
    sign: unary('Sign', (req) => daemon.sign(req)),
    preprocessCommitments: preprocess,
    signBatch: unary('SignBatch', (req) => daemon.signBatch(req, onEach)),
    dkgBegin: unary('DkgBegin', (req) => daemon.dkg.begin(req)),
    dkgExchange: unary('DkgExchange', (req) => daemon.dkg.exchange(req)),
    dkgFinish: unary('DkgFinish', (req) => daemon.dkg.finish(req)),
    dkgRelay: unary('DkgRelay', (req) => daemon.dkg.relay(req)),
    dkgCommit: unary('DkgCommit', (req) => daemon.dkg.commit(req)),
    dkgAbort: unary('DkgAbort', (req) => daemon.dkg.abortRequest(req)),
    updatePolicy: unary('UpdatePolicy', (req) => daemon.updatePolicy(req)),
    attest: unary('Attest', (req) => daemon.attest(req)),
  };
}

function checkPeer(
  call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>,
  coordinatorName: string,
): void {
  const cert = call.getAuthContext().sslPeerCertificate;
  const names = (cert?.subjectaltname ?? '').split(', ');
  if (!names.includes(`DNS:${coordinatorName}`)) {
    throw new UnauthenticatedError(
      'peer_not_coordinator',
      `client certificate does not name ${coordinatorName}`,
    );
  }
}

/** A call's id for its log lines: the coordinator's `requestId` (the token's `jti` for a mint). */
function requestIdOf(request: unknown): Correlation {
  const requestId = (request as { requestId?: unknown }).requestId;
  return typeof requestId === 'string' && requestId !== '' ? { request_id: requestId } : {};
}
