/**
 * The dependency rules (`.dependency-cruiser.cjs`, run by `npm run lint:deps`) catch what
 * they promise: a tiny two-package repository with one of each forbidden import, and the
 * imports that must stay allowed, cruised by the real dependency-cruiser with the real config.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
  readonly cycle: string[];
}

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ private: true, workspaces: ['a', 'b'] }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      allowImportingTsExtensions: true,
      noEmit: true,
      customConditions: ['frostmint-source'],
    },
  }),
  'a/package.json': JSON.stringify({ name: '@frostmint/a', type: 'module' }),
  'b/package.json': JSON.stringify({
    name: '@frostmint/b',
    type: 'module',
    exports: {
      '.': { 'frostmint-source': './src/index.ts' },
      './testing': { 'frostmint-source': './src/testing.ts' },
    },
  }),
  'b/src/index.ts': 'export const b = 1;\n',
  'b/src/testing.ts': "import { b } from './index.ts';\nexport const helper = b;\n",
  'b/test/helper.ts': 'export const testOnly = 1;\n',
  // Allowed: entry points of another package, relative imports inside one's own package.
  'a/src/ok.ts':
    "import { b } from '@frostmint/b';\nimport { helper } from '@frostmint/b/testing';\nimport { inner } from './inner.ts';\nexport const ok = [b, helper, inner];\n",
  'a/src/inner.ts': 'export const inner = 1;\n',
  'a/test/ok.test.ts': "import { ok } from '../src/ok.ts';\nexport const t = ok;\n",
  // Forbidden: a cycle (one edge type-only: still a cycle), relative imports out of the
  // package, a deep import past the entry points, an import that resolves to nothing.
  'a/src/cycle-x.ts': "import { y } from './cycle-y.ts';\nexport const x = () => y;\n",
  'a/src/cycle-y.ts':
    "import type { x } from './cycle-x.ts';\nexport const y = 1;\nexport type X = typeof x;\n",
  'a/src/across-src.ts': "import { b } from '../../b/src/index.ts';\nexport const c = b;\n",
  'a/test/across-test.ts':
    "import { testOnly } from '../../b/test/helper.ts';\nexport const d = testOnly;\n",
  'a/src/deep.ts': "import { b } from '@frostmint/b/src/index.ts';\nexport const e = b;\n",
  'a/src/missing.ts': "import { nothing } from './not-there.ts';\nexport const f = nothing;\n",
};

let dir: string;
let violations: Violation[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frostmint-depcruise-'));
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  // What `npm install` makes of the workspaces: links under node_modules/@frostmint.
  await mkdir(join(dir, 'node_modules/@frostmint'), { recursive: true });
  await symlink('../../a', join(dir, 'node_modules/@frostmint/a'));
  await symlink('../../b', join(dir, 'node_modules/@frostmint/b'));
  const cruised = await run(
    join(REPO, 'node_modules/.bin/depcruise'),
    ['--config', join(REPO, '.dependency-cruiser.cjs'), '--output-type', 'json', 'a', 'b'],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const report = JSON.parse(cruised.stdout) as {
    summary: {
      violations: {
        rule: { name: string };
        from: string;
        to: string;
        cycle?: { name: string }[];
      }[];
    };
  };
  violations = report.summary.violations.map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: v.to,
    cycle: (v.cycle ?? []).map((c) => c.name),
  }));
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const byRule = (rule: string) => violations.filter((v) => v.rule === rule);

describe('npm run lint:deps (dependency-cruiser rules)', () => {
  it('fails on an import cycle inside a package, type-only edges included', () => {
    const cycles = byRule('no-circular');
    expect(cycles).toHaveLength(1);
    expect([cycles[0]!.from, ...cycles[0]!.cycle].sort()).toEqual(
      expect.arrayContaining(['a/src/cycle-x.ts', 'a/src/cycle-y.ts']),
    );
  });

  it("fails on a relative import of another package's src/ or test/", () => {
    expect(byRule('no-relative-import-across-packages').map((v) => [v.from, v.to])).toEqual(
      expect.arrayContaining([
        ['a/src/across-src.ts', 'b/src/index.ts'],
        ['a/test/across-test.ts', 'b/test/helper.ts'],
      ]),
    );
    expect(byRule('no-relative-import-across-packages')).toHaveLength(2);
  });

  it('fails on a deep import past the entry points (@frostmint/<pkg>/src/...)', () => {
    expect(byRule('no-deep-import').map((v) => [v.from, v.to])).toEqual([
      ['a/src/deep.ts', '@frostmint/b/src/index.ts'],
    ]);
  });

  it('fails on an import that resolves to nothing', () => {
    expect(byRule('not-to-unresolvable').map((v) => v.from)).toEqual(
      expect.arrayContaining(['a/src/missing.ts']),
    );
  });

  it('lets entry-point imports and relative imports inside a package through', () => {
    const flagged = new Set(violations.map((v) => v.from));
    for (const allowed of [
      'a/src/ok.ts',
      'a/src/inner.ts',
      'a/test/ok.test.ts',
      'b/src/testing.ts',
    ])
      expect(flagged.has(allowed), allowed).toBe(false);
  });
});
