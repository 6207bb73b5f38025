// `npm run bench`: prints `name: value` lines. Every ratio compares against a baseline
// measured in the same run on the same machine.
import { benchMint } from './mint-bench.ts';

const suites: [string, () => Promise<Record<string, number>>][] = [['mint', benchMint]];
for (const [module, fn] of [
  ['./frost-bench.ts', 'benchFrost'],
  ['./sdk-bench.ts', 'benchSdk'],
  ['./policy-bench.ts', 'benchPolicy'],
] as const) {
  const mod = (await import(module).catch(() => undefined)) as
    | Record<string, () => Promise<Record<string, number>>>
    | undefined;
  if (mod?.[fn]) suites.push([fn, mod[fn]]);
}

for (const [, run] of suites) {
  for (const [name, value] of Object.entries(await run())) {
    console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
}
