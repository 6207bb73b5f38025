/**
 * frostmint's one strict token grammar (`@frostmint/sdk/grammar`): the same checks at every
 * signer, before it co-signs, and in the SDK, before jose verifies.
 */
export { FrostmintVerifyError } from '../errors.ts';
export { decodeCanonicalBase64url } from './base64url.ts';
export {
  MAX_NUMERIC_DATE,
  MAX_TOKEN_BYTES,
  type ParsedToken,
  parseTokenGrammar,
} from './compact.ts';
export { parseScope, SCOPE_TOKEN } from './scope.ts';
export { MAX_JSON_DEPTH, parseStrictJson, type StrictJsonOptions } from './strict-json.ts';
