import { EXAMPLE_ISSUER, openApiDocument } from './document.ts';
import { errorsMarkdown } from './errors-doc.ts';

export { EXAMPLE_ISSUER, openApiDocument, openApiPath } from './document.ts';
export { errorsMarkdown } from './errors-doc.ts';
export { OPERATIONS, type Operation } from './operations.ts';

/**
 * The committed API reference files, by path from the repository root: what
 * `npm run api:docs` writes and what the freshness test compares.
 *
 * @example
 * ```ts
 * apiDocFiles()['docs/errors.md'].startsWith('# Error codes'); // true
 * ```
 */
export function apiDocFiles(): Record<'docs/openapi.json' | 'docs/errors.md', string> {
  return {
    'docs/openapi.json': `${JSON.stringify(openApiDocument({ issuer: EXAMPLE_ISSUER }), null, 2)}\n`,
    'docs/errors.md': errorsMarkdown(),
  };
}
