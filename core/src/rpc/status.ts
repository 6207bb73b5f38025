import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  ERROR_CODES,
  EvidenceRefusedError,
  FrostmintError,
  isErrorCode,
  UnavailableError,
} from '../errors.ts';

/** gRPC trailer carrying the stable frostmint error code across the wire. */
const CODE_KEY = 'frostmint-code';

const TO_GRPC: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  409: status.ALREADY_EXISTS,
  503: status.UNAVAILABLE,
};

/** A refusal as it travels: stable code, human text, and the gRPC status it maps to. */
export interface WireRefusal {
  readonly code: string;
  readonly message: string;
  readonly grpcStatus: number;
}

/**
 * What any thrown value is on the wire: a `FrostmintError` keeps its code and message;
 * anything else becomes `internal` with a generic message (details stay in the signer's
 * log, never on the wire). A batch answers each refused request with this.
 *
 * @example
 * ```ts
 * const { code, message, grpcStatus } = toRefusal(err);
 * ```
 */
export function toRefusal(err: unknown): WireRefusal {
  const known = err instanceof FrostmintError ? err : undefined;
  return {
    code: known?.code ?? 'internal',
    message: known?.message ?? 'internal signer error',
    grpcStatus: known ? (TO_GRPC[known.status] ?? status.INTERNAL) : status.INTERNAL,
  };
}

/**
 * Turns any thrown value into a gRPC error for a unary callback (see `toRefusal`).
 *
 * @example
 * ```ts
 * try { callback(null, await handle(call.request)); } catch (e) { callback(toServiceError(e)); }
 * ```
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const refusal = toRefusal(err);
  const metadata = new Metadata();
  metadata.set(CODE_KEY, refusal.code);
  return { code: refusal.grpcStatus, details: refusal.message, metadata };
}

/**
 * Rebuilds a typed error from a gRPC failure seen by a client. Transport failures
 * (unavailable, deadline exceeded) become `UnavailableError` with code `signer_unavailable`;
 * a refusal keeps its code (and so its status, from `ERROR_CODES`), except that a refused
 * piece of evidence stays a 403 (`EvidenceRefusedError`) whatever its code; a code this
 * build does not know becomes `signer_answer_invalid` (502).
 */
export function fromServiceError(err: ServiceError, peer: string): FrostmintError {
  const code = err.metadata?.get(CODE_KEY)[0];
  return fromRefusal(
    {
      code: typeof code === 'string' ? code : '',
      message: err.details || status[err.code] || '',
      grpcStatus: err.code,
    },
    peer,
    err,
  );
}

/**
 * `fromServiceError` for a refusal that came inside an answer (one request of a batch):
 * the same typed error a unary call refused this way would have raised.
 *
 * @example
 * ```ts
 * const err = fromRefusal(result.refusal, 'signer 2');
 * ```
 */
export function fromRefusal(refusal: WireRefusal, peer: string, cause?: unknown): FrostmintError {
  const { code, grpcStatus } = refusal;
  if (code !== '' && grpcStatus !== status.UNAVAILABLE && grpcStatus !== status.DEADLINE_EXCEEDED) {
    const message = `${peer}: ${refusal.message}`;
    if (!isErrorCode(code)) {
      return new FrostmintError(
        'signer_answer_invalid',
        `${peer} refused with unknown code ${JSON.stringify(code.slice(0, 64))}: ${refusal.message}`,
      );
    }
    if (grpcStatus === status.PERMISSION_DENIED && ERROR_CODES[code].status !== 403)
      return new EvidenceRefusedError(code, message);
    return new FrostmintError(code, message);
  }
  return new UnavailableError('signer_unavailable', `${peer}: ${refusal.message}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}
