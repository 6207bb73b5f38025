import { SCOPE_TOKEN } from './grammar/scope.ts';

/**
 * Throws a `TypeError` unless every entry is a single RFC 6749 scope token. A required scope
 * containing a space could never match, so that is a configuration bug, reported loudly.
 *
 * @example
 * ```ts
 * assertScopeTokens(['deploy:canary']); // ok
 * assertScopeTokens(['deploy canary']); // throws TypeError
 * ```
 */
export function assertScopeTokens(scopes: readonly string[]): void {
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`${JSON.stringify(scope)} is not a scope token (RFC 6749 §3.3)`);
    }
  }
}

/**
 * The required scopes absent from a space-separated `scope` claim, in the order required.
 *
 * @example
 * ```ts
 * missingScopes('deploy:canary read', ['deploy:canary', 'deploy:prod']); // ['deploy:prod']
 * ```
 */
export function missingScopes(scope: string | undefined, required: readonly string[]): string[] {
  if (required.length === 0) return [];
  const granted = new Set(scope?.split(' '));
  return required.filter((s) => !granted.has(s));
}
