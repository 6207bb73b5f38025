import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A signer process that corrupts every signature share it returns (test fixture). */
export const FAULTY_SIGNER_ENTRY = fileURLToPath(
  new URL('../fixtures/faulty-signer.ts', import.meta.url),
);

/**
 * Node options for a daemon entry point: a TypeScript test fixture runs through tsx (a dev
 * dependency; the fixture itself imports the built packages, like the daemons), the built
 * JavaScript of a daemon as is.
 *
 * @example
 * ```ts
 * await stack.restartSigner(3, FAULTY_SIGNER_ENTRY, { nodeOptions: nodeOptionsFor(FAULTY_SIGNER_ENTRY) });
 * ```
 */
export function nodeOptionsFor(entry: string): string[] {
  return entry.endsWith('.ts')
    ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
    : [];
}
