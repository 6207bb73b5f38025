// `npx tsx test/bench/cpu-per-mint.ts`: CPU time the coordinator and the signers spend per
// successful mint (user + system, from /proc/<pid>/stat; Linux only), at 1 and 16 clients.
// Unlike requests per second it hardly depends on what else the machine runs, so two
// checkouts can be compared on a shared, busy machine.
import { readFile } from 'node:fs/promises';
import { startTestStack } from '../harness.ts';
import { runLoad, WARM_UP } from './load.ts';
import { mintSender } from './mint-bench.ts';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU milliseconds (user + system) process `pid` has used so far. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at index 2: utime is 13, stime 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

const stack = await startTestStack();
try {
  const send = mintSender(stack.coordinatorUrl, stack.layout.bearer);
  const pids = {
    coordinator: [stack.coordinator.child.pid!],
    signers: [...stack.signers.values()].map((s) => s.child.pid!),
  };
  const total = async (list: number[]) =>
    (await Promise.all(list.map(cpuMs))).reduce((a, b) => a + b, 0);
  await runLoad(send, WARM_UP);
  for (const c of [1, 16]) {
    const before = { c: await total(pids.coordinator), s: await total(pids.signers) };
    const r = await runLoad(send, { concurrency: c, total: c === 1 ? 100 : 640, maxMs: 60_000 });
    const ok = r.requests - r.failures;
    const after = { c: await total(pids.coordinator), s: await total(pids.signers) };
    console.log(
      `mint_c${c}_coordinator_cpu_ms_per_mint: ${((after.c - before.c) / ok).toFixed(2)}`,
    );
    console.log(`mint_c${c}_signers_cpu_ms_per_mint: ${((after.s - before.s) / ok).toFixed(2)}`);
    console.log(`mint_c${c}_rps: ${r.rps.toFixed(1)} (failures ${r.failures})`);
  }
} finally {
  await stack.dispose();
}
