import { randomBytes } from 'node:crypto';
import {
  compactJws,
  ForbiddenError,
  InvalidRequestError,
  signingInput,
  type TokenClaims,
  TokenTtlSchema,
} from '@frostmint/core';
import { z } from 'zod';
import type { Requester } from './auth/types.ts';
import type { TokenSigner } from './signing/round-driver.ts';

const scopeToken = z
  .string()
  .regex(
    /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/,
    'scope tokens are printable ASCII without spaces, quotes or backslashes',
  );

/** Body of `POST /v1/mint`. */
export const MintRequestSchema = z
  .object({
    scope: z.array(scopeToken).min(1).max(16),
    audience: z.string().min(1).max(256),
    ttl: TokenTtlSchema.optional(),
    justification: z.string().max(1024).optional(),
  })
  .strict();
export type MintRequest = z.infer<typeof MintRequestSchema>;

/** Answer of a successful mint. */
export interface MintResponse {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: number;
  jti: string;
}

export interface MintServiceOptions {
  readonly issuer: string;
  readonly kid: string;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly driver: TokenSigner;
  readonly now?: () => number;
}

/**
 * Builds the exact token (RFC 9068 header and claims) and has the quorum sign it.
 *
 * @example
 * ```ts
 * const minted = await mints.mint(requester, { scope: ['deploy:canary'], audience: 'deploy-api' });
 * ```
 */
export class MintService {
  constructor(private readonly options: MintServiceOptions) {}

  async mint(requester: Requester, request: MintRequest): Promise<MintResponse> {
    const { issuer, kid, defaultTtlSeconds, maxTtlSeconds, driver } = this.options;
    const ttl = request.ttl ?? defaultTtlSeconds;
    if (ttl > maxTtlSeconds) {
      throw new ForbiddenError(
        'ttl_too_long',
        `ttl ${ttl} s exceeds this deployment's ${maxTtlSeconds} s cap`,
      );
    }
    if (new Set(request.scope).size !== request.scope.length) {
      throw new InvalidRequestError('scope_invalid', 'scope lists a scope twice');
    }
    const iat = Math.floor((this.options.now ?? Date.now)() / 1000);
    const jti = randomBytes(16).toString('base64url');
    const claimsFor = (signers: number[]): TokenClaims => ({
      iss: issuer,
      sub: requester.subject,
      aud: request.audience,
      scope: request.scope.join(' '),
      iat,
      nbf: iat,
      exp: iat + ttl,
      jti,
      client_id: requester.clientId,
      amr: requester.amr,
      frostmint: { signers },
    });
    const header = { alg: 'EdDSA', typ: 'at+jwt', kid } as const;
    const signed = await driver.sign({
      requestId: jti,
      evidence: requester.evidence,
      messageFor: (signers) => Buffer.from(signingInput(header, claimsFor(signers)), 'latin1'),
    });
    return {
      token: compactJws(Buffer.from(signed.message).toString('latin1'), signed.signature),
      token_type: 'Bearer',
      expires_in: ttl,
      expires_at: iat + ttl,
      jti,
    };
  }
}
