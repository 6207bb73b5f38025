import { FrostmintVerifyError } from '../errors.ts';

/**
 * The error of every grammar violation: `token_malformed`, with a precise message.
 *
 * @example
 * ```ts
 * throw malformed('scope lists a scope token twice');
 * ```
 */
export function malformed(message: string): FrostmintVerifyError {
  return new FrostmintVerifyError('token_malformed', message);
}
