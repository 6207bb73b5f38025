import { pathToFileURL } from 'node:url';
import { DEFAULT_AUDIT_ORIGIN, receiptSchema, verifyReceipt } from '@frostmint/core';
import { startTestStack } from '../harness.ts';
import { runLoad } from './load.ts';

const CLIENTS = 16;
const BODY = { scope: ['deploy:canary'], audience: 'deploy-api', ttl: 900 };

type Stack = Awaited<ReturnType<typeof startTestStack>>;

/** Mints at 16 clients; returns the throughput and the minted tokens. */
async function mintLoad(stack: Stack, body: object = BODY) {
  const minted: { jti: string; token: string; receipt?: unknown }[] = [];
  const send = async () => {
    const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
      },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { jti: string; token: string; receipt?: unknown };
    if (res.ok) minted.push(answer);
    return res.ok;
  };
  await runLoad(send, { concurrency: 4, total: 40 }); // warm-up
  minted.length = 0;
  const result = await runLoad(send, { concurrency: CLIENTS, total: CLIENTS * 60, maxMs: 30_000 });
  return { result, minted };
}

/**
 * What receipts cost the mint path (issue 14), same run, 16 clients: `mint_rps` of a stack
 * without the transparency log against `mint_rps_with_receipts`, a stack whose checkpointer
 * cuts and co-signs a checkpoint every second under the load — every token minted then gets
 * a receipt, fetched afterwards and verified (`receipts_verified` of `receipts_expected`).
 * `mint_wait_receipt_p50_ms`: a mint asking `wait_for_receipt` (answer held until a
 * checkpoint covers it).
 */
export async function benchReceipts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const plain = await startTestStack();
  try {
    out.receipts_baseline_mint_rps = (await mintLoad(plain)).result.rps;
  } finally {
    await plain.dispose();
  }
  const stack = await startTestStack({
    audit: {
      coordinator: {
        origin: DEFAULT_AUDIT_ORIGIN,
        checkpointIntervalMs: 1000,
        checkpointEntries: 256,
        maxEntriesPerCheckpoint: 1000,
      },
    },
  });
  try {
    const { result, minted } = await mintLoad(stack);
    out.mint_rps_with_receipts = result.rps;
    out.mint_rps_with_receipts_ratio = result.rps / out.receipts_baseline_mint_rps;
    const jwks = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { x: string }[];
    };
    const groupPublicKeys = [Buffer.from(jwks.keys[0]!.x, 'base64url')];
    let verified = 0;
    const deadline = Date.now() + 30_000;
    for (const { jti, token } of minted) {
      while (Date.now() < deadline) {
        const res = await fetch(`${stack.coordinatorUrl}/v1/audit/receipts/${jti}`);
        if (res.status === 409) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const receipt = receiptSchema.parse(await res.json());
        verifyReceipt(receipt, { groupPublicKeys, origin: DEFAULT_AUDIT_ORIGIN, token });
        verified += 1;
        break;
      }
    }
    out.receipts_expected = minted.length;
    out.receipts_verified = verified;
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await fetch(`${stack.coordinatorUrl}/v1/mint`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.layout.bearer}`,
        },
        body: JSON.stringify({ ...BODY, wait_for_receipt: 10 }),
      }).then((r) => r.json());
      waits.push(performance.now() - t0);
    }
    out.mint_wait_receipt_p50_ms = waits.sort((a, b) => a - b)[5]!;
  } finally {
    await stack.dispose();
  }
  return out;
}

// `npx tsx test/bench/receipts-bench.ts`: the receipts part of `npm run bench` alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchReceipts())) {
    console.log(`${k}: ${Number.isInteger(v) ? v : v.toFixed(3)}`);
  }
}
