import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ERROR_CODES,
  type ErrorCode,
  EvidenceRefusedError,
  errorFromAnswer,
  ForbiddenError,
  FrostmintError,
  GoneError,
  httpErrorCodes,
  isErrorCode,
  NotFoundError,
  TooManyRequestsError,
  UnauthenticatedError,
} from '../src/errors.ts';
import { fromServiceError, toServiceError } from '../src/rpc/status.ts';

describe('the closed error-code table', () => {
  it('holds stable snake_case codes, each with one status and a one-line description', () => {
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];
    expect(codes.length).toBeGreaterThan(200);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      const { status, description } = ERROR_CODES[code];
      expect([400, 401, 403, 404, 405, 409, 410, 413, 414, 415, 429, 500, 502, 503]).toContain(
        status,
      );
      expect(description, code).toMatch(/^\S.*[.)]$/);
      expect(description, code).not.toContain('\n');
    }
    // One 404 for every kind of request: the old synonym is gone.
    expect(isErrorCode('request_unknown')).toBe(false);
    expect(ERROR_CODES.request_not_found.status).toBe(404);
  });

  it('gives every error the status of its code; subclasses accept only codes of their status', () => {
    expect(new FrostmintError('request_not_found', 'x').status).toBe(404);
    expect(new NotFoundError('request_not_found', 'x').status).toBe(404);
    expect(new GoneError('request_expired', 'x').status).toBe(410);
    expect(new ConflictError('request_not_pending', 'x').status).toBe(409);
    expect(new TooManyRequestsError('rate_limited', 'x', 0.2)).toMatchObject({
      status: 429,
      retryAfterSeconds: 1,
    });
    // @ts-expect-error a 404 code is not a 403 refusal: typecheck refuses it.
    expect(new ForbiddenError('request_not_found', 'x').status).toBe(404);
    // @ts-expect-error an unknown code does not typecheck.
    expect(() => new FrostmintError('request_unknown', 'x')).toThrow(TypeError);
    expect(new UnauthenticatedError('oidc_token_expired', 'x').toJSON()).toEqual({
      error: 'oidc_token_expired',
      message: 'x',
    });
  });

  it('lists the codes an HTTP client can see, and not the command-line ones', () => {
    const http = httpErrorCodes();
    for (const code of ['request_not_found', 'policy_denied', 'evidence_replayed', 'not_found'])
      expect(http).toContain(code);
    for (const code of ['cli_usage', 'coordinator_unreachable', 'vault_config', 'pkcs11_failed'])
      expect(http).not.toContain(code);
  });

  it('rebuilds an HTTP answer on the client side, never trusting an unknown code', () => {
    expect(
      errorFromAnswer(404, { error: 'request_not_found', message: 'no mint request a' }),
    ).toMatchObject({
      code: 'request_not_found',
      status: 404,
      message: 'no mint request a',
    });
    const strange = errorFromAnswer(418, { error: 'teapot\u0000'.repeat(20), message: 'hi' });
    expect(strange).toMatchObject({ code: 'coordinator_answer_invalid', status: 502 });
    expect(strange.message).toContain('HTTP 418');
    expect(errorFromAnswer(500, 'not an object')).toMatchObject({
      code: 'coordinator_answer_invalid',
    });
    expect(errorFromAnswer(400, { error: '__proto__' })).toMatchObject({
      code: 'coordinator_answer_invalid',
    });
  });
});

describe('signer refusals over gRPC', () => {
  const roundTrip = (err: unknown) => {
    const wire = toServiceError(err) as ServiceError;
    return fromServiceError(
      { ...wire, metadata: wire.metadata ?? new Metadata() } as ServiceError,
      'signer 1',
    );
  };

  it('keeps the code, and the status of its row', () => {
    expect(roundTrip(new ForbiddenError('policy_denied', 'no'))).toMatchObject({
      code: 'policy_denied',
      status: 403,
      message: 'signer 1: no',
    });
    expect(roundTrip(new ConflictError('dkg_group_exists', 'has one'))).toMatchObject({
      code: 'dkg_group_exists',
      status: 409,
    });
  });

  it('keeps an evidence refusal a 403 whatever the status of its code', () => {
    const refused = roundTrip(
      EvidenceRefusedError.from(new UnauthenticatedError('oidc_token_expired', 'old')),
    );
    expect(refused).toBeInstanceOf(EvidenceRefusedError);
    expect(refused).toMatchObject({ code: 'oidc_token_expired', status: 403 });
  });

  it('turns an unknown code from a signer into signer_answer_invalid, and transport failures into signer_unavailable', () => {
    const metadata = new Metadata();
    metadata.set('frostmint-code', 'made_up_code');
    const forged = { code: status.PERMISSION_DENIED, details: 'x', metadata } as ServiceError;
    expect(fromServiceError(forged, 'signer 2')).toMatchObject({
      code: 'signer_answer_invalid',
      status: 502,
    });
    const down = { code: status.UNAVAILABLE, details: 'gone', metadata } as ServiceError;
    expect(fromServiceError(down, 'signer 2')).toMatchObject({
      code: 'signer_unavailable',
      status: 503,
    });
  });
});
