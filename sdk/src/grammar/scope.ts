import { FrostmintVerifyError } from '../errors.ts';

/** RFC 6749 §3.3 scope-token: 1*NQCHAR, printable ASCII except space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Splits a `scope` claim into its scope tokens, accepting only RFC 6749 §3.3
 * `scope-token *( SP scope-token )`: single spaces between tokens, none leading or trailing,
 * no empty token, and no token twice (a verifier and a policy could otherwise disagree on
 * what was granted). Throws `FrostmintVerifyError` `token_scope_invalid` (`token_claims_invalid`
 * when it is not a string).
 *
 * @example
 * ```ts
 * parseScope('deploy:canary read'); // ['deploy:canary', 'read']
 * parseScope('deploy:canary  read'); // throws token_scope_invalid
 * ```
 */
export function parseScope(scope: unknown): string[] {
  if (typeof scope !== 'string') {
    throw new FrostmintVerifyError('token_claims_invalid', 'scope is not a string');
  }
  const tokens = scope.split(' ');
  if (!tokens.every((t) => SCOPE_TOKEN.test(t))) {
    throw scopeInvalid(
      'scope is not RFC 6749 §3.3 scope tokens separated by single spaces (no leading, trailing or double space)',
    );
  }
  if (new Set(tokens).size !== tokens.length) throw scopeInvalid('scope lists a scope token twice');
  return tokens;
}

function scopeInvalid(message: string): FrostmintVerifyError {
  return new FrostmintVerifyError('token_scope_invalid', message);
}
