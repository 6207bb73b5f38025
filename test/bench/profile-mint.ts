// `npx tsx test/bench/profile-mint.ts <dir>`: the local stack under 16 concurrent mints with
// every daemon (coordinator and the three signers) running under `--cpu-prof`; prints the
// top self-time frames of the coordinator's profile and of the signers' profiles together
// (issue 16: "measure first"). `--report <dir>` only prints those of profiles already in
// `<dir>` (e.g. written by another checkout's run).
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevStack } from '@frostmint/cli';
import { pino } from 'pino';
import { runLoad, WARM_UP } from './load.ts';
import { mintSender } from './mint-bench.ts';

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

/** Which daemon wrote a profile, from the code it ran. */
function processOf(profile: CpuProfile): 'coordinator' | 'signer' | undefined {
  const urls = profile.nodes.map((n) => n.callFrame.url);
  if (urls.some((u) => u.includes('/coordinator/dist/') || u.includes('/coordinator/src/')))
    return urls.some((u) => u.includes('/cli/')) ? undefined : 'coordinator';
  if (urls.some((u) => u.includes('/signer/dist/') || u.includes('/signer/src/'))) return 'signer';
  return undefined;
}

async function report(dir: string): Promise<void> {
  const byProcess = new Map<
    string,
    { total: number; frames: Map<string, number>; count: number }
  >();
  for (const file of await readdir(dir)) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const kind = processOf(profile);
    if (!kind) continue;
    const entry = byProcess.get(kind) ?? { total: 0, frames: new Map(), count: 0 };
    entry.count++;
    entry.total += profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
    for (const [frame, ms] of selfTimes(profile))
      entry.frames.set(frame, (entry.frames.get(frame) ?? 0) + ms);
    byProcess.set(kind, entry);
  }
  for (const [kind, { total, frames, count }] of byProcess) {
    console.log(`${kind} (${count} process(es), ${total.toFixed(0)} ms sampled); top self time:`);
    for (const [frame, ms] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(
        `  ${ms.toFixed(0).padStart(6)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${frame}`,
      );
    }
  }
}

if (process.argv[2] === '--report') {
  await report(resolve(process.argv[3] ?? 'cpu-profiles'));
} else {
  const dir = resolve(process.argv[2] ?? 'cpu-profiles');
  await mkdir(dir, { recursive: true });
  const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-profile-'));
  const cpuProf = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const stack = await startDevStack({
    stateDir,
    log: pino({ level: 'silent' }),
    coordinatorLaunch: { nodeOptions: cpuProf },
  });
  // Signers start before the ceremony; each is started again under the profiler.
  for (const id of stack.signers.keys()) {
    await stack.signers.get(id)!.stop();
    await stack.restartSigner(id, undefined, { nodeOptions: cpuProf });
  }
  try {
    const send = mintSender(stack.coordinatorUrl, stack.layout.bearer);
    await runLoad(send, WARM_UP);
    const r = await runLoad(send, { concurrency: 16, total: 16 * 60, maxMs: 60_000 });
    console.log(`profiled_mint_c16_rps: ${r.rps.toFixed(3)} (failures ${r.failures})`);
  } finally {
    await stack.stop(); // SIGTERM: every daemon writes its profile as it exits
    await rm(stateDir, { recursive: true, force: true });
  }
  await report(dir);
}
