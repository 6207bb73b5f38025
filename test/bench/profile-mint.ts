// `npx tsx test/bench/profile-mint.ts <dir>`: the local stack under 16 concurrent mints with
// every daemon started under `--cpu-prof`; prints the top self-time frames of the
// coordinator's profile (issue 16: "measure first").
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevStack } from '@frostmint/cli';
import { pino } from 'pino';
import { runLoad } from './load.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) by frame, largest first. */
function selfTimes(profile: CpuProfile): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const where = f.url.replace(/^.*\/(node_modules|frostmint[^/]*|groupcommit)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

const dir = resolve(process.argv[2] ?? 'cpu-profiles');
await mkdir(dir, { recursive: true });
const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-profile-'));
const stack = await startDevStack({
  stateDir,
  log: pino({ level: 'silent' }),
  coordinatorLaunch: { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`] },
});
try {
  const send = async () => {
    const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
      },
      body: JSON.stringify({ scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 }),
    });
    await res.arrayBuffer();
    return res.ok;
  };
  await runLoad(send, { concurrency: 4, total: 40 });
  const r = await runLoad(send, { concurrency: 16, total: 16 * 60, maxMs: 60_000 });
  console.log(`profiled_mint_c16_rps: ${r.rps.toFixed(3)} (failures ${r.failures})`);
} finally {
  await stack.stop(); // SIGTERM: the coordinator writes its profile as it exits
  await rm(stateDir, { recursive: true, force: true });
}
for (const file of await readdir(dir)) {
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  const total = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  console.log(`coordinator profile ${file} (${total.toFixed(0)} ms sampled); top self time:`);
  for (const [frame, ms] of selfTimes(profile).slice(0, 10)) {
    console.log(
      `  ${ms.toFixed(0).padStart(6)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${frame}`,
    );
  }
}
