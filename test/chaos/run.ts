// `npm run chaos`: issue 19's experiments at full length on the local stack; prints
// `name: value` lines and exits 1 when a "must hold" line does not hold.
import { FULL, runChaos } from './chaos.ts';
import { violations } from './limits.ts';

const results = await runChaos(FULL, (line) => console.log(line));
const broken = violations(results);
for (const v of broken) console.error(`FAILED ${v}`);
process.exit(broken.length > 0 ? 1 : 0);
