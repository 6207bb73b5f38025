import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, startTestStack } from '../harness.ts';
import { FAULTY_SIGNER_ENTRY, nodeOptionsFor } from '../support/fixture-process.ts';

describe('a signer returning corrupted signature shares', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack();
    // Signer 3 turns faulty after the DKG ceremony (a faulty signer cannot even join one:
    // its share of the group configuration signature would fail verification).
    await stack.signers.get(3)!.stop();
    await stack.restartSigner(3, FAULTY_SIGNER_ENTRY, {
      nodeOptions: nodeOptionsFor(FAULTY_SIGNER_ENTRY),
    });
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('is detected by share verification, excluded and reported, while every mint succeeds', async () => {
    let reported = false;
    // Signer 3 is picked once the coordinator's preprocessing stream to it has reopened
    // after the restart (backoff up to 1 s); until then every quorum is [1, 2].
    const deadline = Date.now() + 20_000;
    while (!reported && Date.now() < deadline) {
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

describe('a signer enforcing another policy than the coordinator (a rollout it has not caught up with)', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack();
    const configPath = stack.layout.signerConfigPaths[2]!;
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    const data = JSON.parse(await readFile(config.policy.data, 'utf8'));
    data.config.scopes['deploy:canary'] = 300;
    const dataPath = join(stack.layout.stateDir, 'other-policy-data.json');
    await writeFile(dataPath, JSON.stringify(data));
    await writeFile(
      configPath,
      JSON.stringify({ ...config, policy: { ...config.policy, data: dataPath } }),
    );
    await stack.signers.get(3)!.stop();
    await stack.restartSigner(3);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('refuses (policy_mismatch), and the coordinator mints with the other two every time', async () => {
    for (let i = 0; i < 8; i++) {
      const answer = await mint(stack, { scope: ['deploy:canary'], audience: 'deploy-api' });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const claims = JSON.parse(
        Buffer.from(answer.body.token!.split('.')[1]!, 'base64url').toString(),
      );
      expect(claims.frostmint.signers).toEqual([1, 2]);
    }
  });
});
