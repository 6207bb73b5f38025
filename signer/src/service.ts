import {
  type Correlation,
  correlate,
  currentTraceId,
  inCallerSpan,
  toServiceError,
  UnauthenticatedError,
  withCorrelation,
} from '@frostmint/core';
import { type SignerServiceServer, SignerServiceService } from '@frostmint/proto';
import type { ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
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
    /** Told of every answer (the signer's metrics): RPC, time taken, stable code when refused. */
    onAnswer?: (answer: SignerRpcOutcome) => void;
  },
): SignerServiceServer & UntypedServiceImplementation {
  const unary =
    <Req, Res>(name: string, handler: Handler<Req, Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
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
            const wire = toServiceError(err);
            answered(String(wire.metadata?.get('frostmint-code')[0] ?? 'internal'));
            if (wire.metadata?.get('frostmint-code')[0] === 'internal') {
              options.log.error({ err, rpc: name }, 'signer RPC failed');
            } else {
              options.log.warn(
                { rpc: name, code: wire.metadata?.get('frostmint-code')[0], reason: wire.details },
                'signer refused',
              );
            }
            callback(wire);
          },
        ),
      );
    };
  return {
    info: unary('Info', () => daemon.info()),
    commit: unary('Commit', (req) => daemon.commit(req)),
    sign: unary('Sign', (req) => daemon.sign(req)),
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

function checkPeer(call: ServerUnaryCall<unknown, unknown>, coordinatorName: string): void {
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
