/**
 * The JWKS cache on its own (`@frostmint/sdk/jwks`), for relying parties that verify other
 * issuers' tokens with the same outage behaviour, e.g. frostmint's OIDC token exchange.
 */
export { FrostmintVerifyError, type VerifyErrorCode } from '../errors.ts';
export type { VerifierEvent } from '../events.ts';
export { ed25519JwkProblem, ed25519KeyProblem } from './ed25519-point.ts';
export { fetchJwks, type JwksFetchOptions } from './fetch.ts';
export { importKeySet, type KeyMap } from './import.ts';
export { type KeySet, staticKeySet, unknownKid } from './key-set.ts';
export { RemoteKeySet, type RemoteKeySetOptions } from './remote.ts';
