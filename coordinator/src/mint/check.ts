import { ForbiddenError, InvalidRequestError } from '@frostmint/core';
import type { MintBody } from '../mint-body.ts';

/**
 * Step 1 of the mint pipeline, the same for every front end: refuses a lifetime above the
 * deployment's cap (`ttl_too_long`) and a scope listed twice (`scope_invalid`) before
 * anything else happens.
 *
 * @example
 * ```ts
 * checkMintRequest(body, config.maxTtlSeconds);
 * ```
 */
export function checkMintRequest(
  request: Pick<MintBody, 'ttl' | 'scope'>,
  maxTtlSeconds: number,
): void {
  if (request.ttl !== undefined && request.ttl > maxTtlSeconds) {
    throw new ForbiddenError(
      'ttl_too_long',
      `ttl ${request.ttl} s exceeds this deployment's ${maxTtlSeconds} s cap`,
    );
  }
  if (new Set(request.scope).size !== request.scope.length) {
    throw new InvalidRequestError('scope_invalid', 'scope lists a scope twice');
  }
}
