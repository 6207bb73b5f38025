import { createDpopProof, loadOrCreateDpopKey } from './key.ts';

/**
 * The DPoP proof for `POST <coordinator>/v1/mint` by the key in `keyFile` (created when
 * missing): sent as the `DPoP` header, it makes the minted token carry `cnf.jkt`.
 *
 * @example
 * ```ts
 * const dpop = await mintProof('/home/ci/.config/frostmint/dpop-key.jwk', 'https://mint.example');
 * ```
 */
export async function mintProof(keyFile: string, coordinator: string): Promise<string> {
  const key = await loadOrCreateDpopKey(keyFile);
  return createDpopProof(key, { htm: 'POST', htu: new URL('/v1/mint', coordinator) });
}
