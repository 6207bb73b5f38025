#!/usr/bin/env node
// `npm run build`: compiles every workspace to <pkg>/dist (ESM + .d.ts, mirroring the
// package's source folder) with `tsc --build` over the project references in
// tsconfig.build.json, then copies the non-TypeScript files of each source folder (PEM
// roots, ...) next to the compiled modules that read them. Incremental: a second run with
// nothing changed costs about the time tsc needs to compare timestamps (~1-3 s).
//
// Plain JavaScript on purpose: it runs right after `npm install` (the root `prepare`
// script), before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** `{ "path": "./core/tsconfig.build.json" }` entries of a JSONC file, as folder names. */
const referenced = (file) =>
  [
    ...readFileSync(file, 'utf8').matchAll(/"path":\s*"\.{1,2}\/([^/"]+)\/tsconfig\.build\.json"/g),
  ].map((m) => m[1]);
const packages = referenced(join(root, 'tsconfig.build.json'));

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // A production install (`npm install --omit=dev`, e.g. a container's runtime stage) has no
  // compiler: fine when a build stage already produced every dist/, an error otherwise.
  const missing = packages.filter((pkg) => !existsSync(join(root, pkg, 'dist')));
  if (missing.length > 0) {
    console.error(`build: typescript is not installed, and not built: ${missing.join(', ')}`);
    process.exit(1);
  }
  console.error('build: typescript is not installed (production install); dist/ kept as is');
  process.exit(0);
}

const built = spawnSync(process.execPath, [tsc, '--build', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

for (const pkg of packages) {
  const config = readFileSync(join(root, pkg, 'tsconfig.build.json'), 'utf8');
  const rootDir = /"rootDir":\s*"([^"]+)"/.exec(config)?.[1] ?? 'src';
  const from = join(root, pkg, rootDir);
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
    const source = join(entry.parentPath, entry.name);
    cpSync(source, join(root, pkg, 'dist', source.slice(from.length)));
  }
}
