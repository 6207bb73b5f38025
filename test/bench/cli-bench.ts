// CLI start-up from the packed install vs a bare node, same run: `npx tsx test/bench/cli-bench.ts`
// (after `npm run build`; packing and installing takes about a minute).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installPacked } from '../support/packed-install.ts';

const RUNS = 15;

/** Wall time of one `node ...args` run, in ms; throws when it fails. */
function wallMs(args: string[]): number {
  const started = performance.now();
  const { status, stderr } = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (status !== 0) throw new Error(`node ${args.join(' ')} failed (${status}): ${stderr}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * `cli_help_ms`: median wall time of `frostmint --help` run from the packed packages installed
 * into a scratch project (`node <app>/node_modules/@frostmint/cli/bin/frostmint.js --help`);
 * `node_bare_ms`: median of `node -e 0`; `cli_help_vs_node`: their ratio (target ≤ 3).
 * 15 interleaved runs each, after one warm-up of each.
 *
 * @example
 * ```ts
 * const { cli_help_vs_node } = await benchCli(); // ≈ 1.3: --help loads commander and little else
 * ```
 */
export async function benchCli(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'frostmint-bench-cli-'));
  try {
    const app = await installPacked(dir);
    const help = [join(app, 'node_modules', '@frostmint', 'cli', 'bin', 'frostmint.js'), '--help'];
    const bare = ['-e', '0'];
    wallMs(help);
    wallMs(bare);
    const helpMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      helpMs.push(wallMs(help));
      bareMs.push(wallMs(bare));
    }
    const cli = median(helpMs);
    const node = median(bareMs);
    return { cli_help_ms: cli, node_bare_ms: node, cli_help_vs_node: cli / node };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, value] of Object.entries(await benchCli())) console.log(`${name}: ${value}`);
}
