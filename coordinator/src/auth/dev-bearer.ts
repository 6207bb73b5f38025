import { createHash, timingSafeEqual } from 'node:crypto';
import { claimsForEvidence, DEV_SUBJECT, UnauthenticatedError } from '@frostmint/core';
import type { FastifyRequest } from 'fastify';
import type { Requester, RequesterAuthenticator } from './types.ts';

/**
 * Local demo only: one bearer credential, configured by `frostmint dev`, stands for the
 * requester `dev@localhost`. Signers accept the resulting dev evidence only when their own
 * configuration allows dev requesters. Compared in constant time (over SHA-256 digests, so
 * lengths leak nothing either).
 *
 * @example
 * ```ts
 * const auth = new DevBearerAuthenticator(process.env.FROSTMINT_DEV_BEARER!);
 * ```
 */
export class DevBearerAuthenticator implements RequesterAuthenticator {
  readonly kind = 'dev-bearer';
  readonly #digest: Buffer;

  constructor(credential: string) {
    if (credential.length < 32) {
      throw new UnauthenticatedError(
        'dev_bearer_weak',
        'the dev bearer credential must be at least 32 characters',
      );
    }
    this.#digest = createHash('sha256').update(credential).digest();
  }

  async authenticate(request: FastifyRequest): Promise<Requester> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([\x21-\x7E]+)$/.exec(header);
    if (!match) {
      throw new UnauthenticatedError('unauthenticated', 'send Authorization: Bearer <credential>');
    }
    const presented = createHash('sha256').update(match[1]!).digest();
    if (!timingSafeEqual(presented, this.#digest)) {
      throw new UnauthenticatedError('unauthenticated', 'the bearer credential is not valid');
    }
    const { sub, client_id, amr } = claimsForEvidence('dev', DEV_SUBJECT);
    return {
      subject: sub,
      clientId: client_id,
      amr,
      evidence: { kind: { $case: 'dev', value: { subject: sub } } },
      policy: { kind: 'dev', subject: sub, roles: [], amr: [...amr] },
    };
  }
}
