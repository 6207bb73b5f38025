import { InvalidRequestError } from '@frostmint/core';
import { CompactEncrypt, importJWK } from 'jose';
import type { RequestContext } from './context.ts';

/**
 * Seals a minted token to the result key of request `id` (compact JWE, `ECDH-ES` +
 * `A256GCM`, RFC 7516 / RFC 7518 §4.6) and stores it, when the request has a result key.
 * Returns whether it did. Call it before marking the request `minted`: a key the token
 * cannot be sealed to throws `result_key_invalid` (400) while the request is still open.
 *
 * @example
 * ```ts
 * const sealed = await sealResult(ctx, request.id, token);
 * ```
 */
export async function sealResult(
  ctx: Pick<RequestContext, 'store'>,
  id: string,
  token: string,
): Promise<boolean> {
  const result = await ctx.store.mintResults.get(id);
  if (result === null) return false;
  let sealed: string;
  try {
    const key = await importJWK(result.resultKey as never, 'ECDH-ES');
    sealed = await new CompactEncrypt(Buffer.from(token, 'utf8'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 'at+jwt' })
      .encrypt(key);
  } catch {
    throw new InvalidRequestError(
      'result_key_invalid',
      'the token cannot be sealed to this request’s result key, so it was not issued: prepare a new request with a usable X25519 or P-256 key',
    );
  }
  await ctx.store.mintResults.seal(id, sealed);
  return true;
}
