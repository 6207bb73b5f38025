// `npm run bench`: prints `name: value` lines. Every ratio compares against a baseline
// measured in the same run on the same machine.
import { benchAttestation } from './attestation-bench.ts';
import { benchAuditCheckpoint } from './audit-checkpoint-bench.ts';
import { benchCiMint } from './ci-mint-bench.ts';
import { benchCli } from './cli-bench.ts';
import { benchFrost } from './frost-bench.ts';
import { benchMint } from './mint-bench.ts';
import { benchOidc } from './oidc-bench.ts';
import { benchPolicy } from './policy-bench.ts';
import { benchReceipts } from './receipts-bench.ts';
import { benchSdk } from './sdk-bench.ts';
import { benchSdkDpop } from './sdk-dpop-bench.ts';
import { benchTracing } from './tracing-bench.ts';
import { benchWebAuthn } from './webauthn-bench.ts';

for (const run of [
  benchFrost,
  benchPolicy,
  benchAttestation,
  benchSdk,
  benchSdkDpop,
  benchOidc,
  benchMint,
  benchReceipts,
  benchAuditCheckpoint,
  benchTracing,
  benchCiMint,
  benchWebAuthn,
  benchCli,
]) {
  for (const [name, value] of Object.entries(await run())) {
    console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
}
