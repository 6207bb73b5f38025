import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, startTestStack } from '../harness.ts';

const FAULTY = fileURLToPath(new URL('../fixtures/faulty-signer.ts', import.meta.url));

describe('a signer returning corrupted signature shares', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack();
    // Signer 3 turns faulty after the DKG ceremony (a faulty signer cannot even join one:
    // its share of the group configuration signature would fail verification).
    await stack.signers.get(3)!.stop();
    await stack.restartSigner(3, FAULTY);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('is detected by share verification, excluded and reported, while every mint succeeds', async () => {
    let reported = false;
    for (let i = 0; i < 20 && !reported; i++) {
      const answer = await mint(stack, { scope: ['deploy:canary'], audience: 'deploy-api' });
      expect(answer.status).toBe(200);
      const signers = JSON.parse(
        Buffer.from(answer.body.token!.split('.')[1]!, 'base64url').toString(),
      ).frostmint.signers;
      expect(signers).not.toContain(3);
      const ready = (await (await fetch(`${stack.coordinatorUrl}/readyz`)).json()) as {
        signers: { id: number; faultReason?: string }[];
      };
      reported = ready.signers.find((s) => s.id === 3)?.faultReason === 'invalid signature share';
    }
    expect(reported).toBe(true);
  });
});
