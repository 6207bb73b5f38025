/**
 * DPoP (RFC 9449) proof verification (`@frostmint/sdk/dpop`): the one implementation the SDK
 * verifier, the coordinator and every signer use.
 */
export { FrostmintVerifyError } from '../errors.ts';
export { boundJkt } from './binding.ts';
export { checkDpopBinding, type DpopRequest, type DpopSettings } from './check.ts';
export { normaliseHtu } from './htu.ts';
export {
  accessTokenHash,
  DPOP_ALGS,
  DPOP_MAX_AGE,
  DPOP_MAX_JTI,
  type DpopProofCheck,
  spendDpopProof,
  type VerifiedDpopProof,
  verifyDpopProof,
} from './proof.ts';
export {
  type DpopReplayStore,
  MemoryReplayStore,
  type MemoryReplayStoreOptions,
} from './replay.ts';
