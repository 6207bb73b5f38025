// `npm run chaos`: issue 19's experiments at full length on the local stack; prints
// `name: value` lines and exits 1 when a "must hold" line does not hold.
// `npm run chaos -- --only signer_freeze[,clock_skew…]` runs just those experiments.
import { parseArgs } from 'node:util';
import { EXPERIMENTS, type Experiment, FULL, runChaos } from './chaos.ts';
import { violations } from './limits.ts';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !(EXPERIMENTS as readonly string[]).includes(name));
if (unknown?.length) {
  console.error(
    `chaos: unknown experiment ${unknown.join(', ')} (one of ${EXPERIMENTS.join(', ')})`,
  );
  process.exit(2);
}
const results = await runChaos(FULL, (line) => console.log(line), only as Experiment[] | undefined);
const broken = violations(results, { partial: only !== undefined });
for (const v of broken) console.error(`FAILED ${v}`);
process.exit(broken.length > 0 ? 1 : 0);
