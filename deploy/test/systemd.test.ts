import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTool } from './support/tools.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const UNITS = ['coordinator', 'signer'] as const;

/** `Key=value` lines of a unit's [Service] section, in order. */
function serviceLines(text: string): [string, string][] {
  const body = text.split('[Service]')[1]?.split(/^\[/m)[0] ?? '';
  return body
    .split('\n')
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

describe.each(UNITS)('deploy/systemd/frostmint-%s.service', (daemon) => {
  const path = join(REPO, `deploy/systemd/frostmint-${daemon}.service`);
  const text = readFileSync(path, 'utf8');
  const lines = serviceLines(text);
  const value = (key: string) => lines.filter(([k]) => k === key).map(([, v]) => v);

  it('passes systemd-analyze verify without a warning', () => {
    const run = spawnSync(requireTool('systemd-analyze'), ['verify', path], { encoding: 'utf8' });
    expect(run.stderr.trim()).toBe('');
    expect(run.status).toBe(0);
  });

  it('runs the built JavaScript (no tsx) after checking the configuration', () => {
    expect(text).not.toMatch(/tsx|\.ts\b/);
    const [start] = value('ExecStart');
    const [pre] = value('ExecStartPre');
    const argv = start!.split(' ');
    expect(argv.slice(0, 2)).toEqual(['/usr/bin/node', `/opt/frostmint/${daemon}/dist/main.js`]);
    // dist/ mirrors src/: the entry point the build produces exists as a source.
    expect(existsSync(join(REPO, daemon, 'src/main.ts'))).toBe(true);
    expect(pre).toBe(`${start} --check-config`);
    expect(value('NoNewPrivileges')).toEqual(['yes']);
    expect(value('ProtectSystem')).toEqual(['strict']);
    expect(value('CapabilityBoundingSet')).toEqual(['']);
  });
});
