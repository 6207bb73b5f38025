export type { FrostmintClaims } from './claims.ts';
export type { DpopRequest } from './dpop/check.ts';
export type { DpopReplayStore } from './dpop/replay.ts';
export { FrostmintVerifyError, type VerifyErrorCode } from './errors.ts';
export type { VerifierEvent } from './events.ts';
export type { AuthErrorBody, BearerAuthOptions } from './http/authenticate.ts';
export { type ExpressMiddleware, expressAuth, type FrostmintRequest } from './http/express.ts';
export {
  type FastifyAuthHook,
  type FastifyAuthReply,
  type FastifyAuthRequest,
  fastifyAuth,
} from './http/fastify.ts';
export {
  type DpopOptions,
  MAX_CLOCK_TOLERANCE,
  MAX_TOKEN_LIFETIME,
  type VerifierOptions,
} from './options.ts';
export {
  createVerifier,
  type VerifiedToken,
  type Verifier,
  type VerifyOptions,
} from './verifier.ts';
