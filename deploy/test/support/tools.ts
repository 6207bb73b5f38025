import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Go's install directory, where `go install` puts kustomize. */
function goBin(): string | undefined {
  try {
    return join(execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin');
  } catch {
    return undefined;
  }
}

/**
 * The absolute path of a command-line tool a deploy test needs, from PATH or Go's bin
 * directory. A missing tool FAILS the test (never a skip), naming the install step.
 *
 * @example
 * ```ts
 * const kustomize = requireTool('kustomize');
 * ```
 */
export function requireTool(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), goBin()].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate) && spawnSync(candidate, ['--help'], { stdio: 'ignore' }).status === 0)
      return candidate;
  }
  throw new Error(`${name} is not installed: run scripts/install-test-deps.sh`);
}
