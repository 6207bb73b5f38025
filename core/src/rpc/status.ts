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

/**
 * Turns any thrown value into a gRPC error for a unary callback: a `FrostmintError` keeps
 * its code and message; anything else becomes `internal` with a generic message (details
 * stay in the signer's log, never on the wire).
 *
 * @example
 * ```ts
 * try { callback(null, await handle(call.request)); } catch (e) { callback(toServiceError(e)); }
 * ```
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const known = err instanceof FrostmintError ? err : undefined;
  const metadata = new Metadata();
  metadata.set(CODE_KEY, known?.code ?? 'internal');
  return {
    code: known ? (TO_GRPC[known.status] ?? status.INTERNAL) : status.INTERNAL,
    details: known?.message ?? 'internal signer error',
    metadata,
  };
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
  if (
    typeof code === 'string' &&
    err.code !== status.UNAVAILABLE &&
    err.code !== status.DEADLINE_EXCEEDED
  ) {
    const message = `${peer}: ${err.details}`;
    if (!isErrorCode(code)) {
      return new FrostmintError(
        'signer_answer_invalid',
        `${peer} refused with unknown code ${JSON.stringify(code.slice(0, 64))}: ${err.details}`,
      );
    }
    if (err.code === status.PERMISSION_DENIED && ERROR_CODES[code].status !== 403)
      return new EvidenceRefusedError(code, message);
    return new FrostmintError(code, message);
  }
  return new UnavailableError('signer_unavailable', `${peer}: ${err.details || status[err.code]}`, {
    cause: err,
  });
}
