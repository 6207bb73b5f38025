// dependency-cruiser (`npm run lint:deps`, a `check` step of scripts/test.sh): packages meet
// only at their public entry points, and nothing imports itself back in a loop.
//
// A "package" here is a top-level folder (the npm workspaces, plus deploy/ and scripts/).
// Imports of `@frostmint/*` resolve like vitest resolves them (the `frostmint-source` export
// condition, i.e. to the sibling's TypeScript source), so a cycle that runs through two
// packages is found as well as one inside a package.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycle: modules that import each other cannot be read, tested or moved one at a ' +
        'time. Move what both need into a module of its own (types, schemas) and import it from both.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-relative-import-across-packages',
      severity: 'error',
      comment:
        "A relative import that leaves its package (`../../other/src/x.ts`): import the other package's " +
        'public entry (`@frostmint/<pkg>` or one of its `exports`, e.g. `@frostmint/pkcs11/testing`).',
      from: { path: '^([^/]+)/' },
      // A `@frostmint/*` import resolves into the sibling's folder too, typed `aliased-workspace`.
      to: {
        dependencyTypes: ['local'],
        dependencyTypesNot: ['aliased', 'aliased-workspace'],
        pathNot: ['^$1/'],
      },
    },
    {
      name: 'no-deep-import',
      severity: 'error',
      comment:
        'A deep import into another package (`@frostmint/<pkg>/src/...`) bypasses its public entry ' +
        'points: add what you need to its index or to an `exports` entry instead.',
      from: {},
      // Such a path is not in the package's `exports`, so it stays unresolved under its own name
      // (`dist/...` is refused the same way by tsc and node; this config skips dist/ folders).
      to: { path: '^@frostmint/[^/]+/(src|test)(/|$)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import that does not resolve (a missing file, or a path the package does not export).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Build output of the workspaces, generated policy; not `@frostmint/x/dist/...` (a deep import).
    exclude: { path: '(^|/)(node_modules|\\.frostmint)/|^[a-z0-9-]+/dist/|^policy/build/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['frostmint-source', 'import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
