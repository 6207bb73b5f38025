import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessStack, startInProcessStack } from '../support/in-process-stack.ts';

const DEMO = { scope: ['deploy:canary'], audience: 'deploy-api' };

/**
 * `POST /v1/mint` and receipts on a coordinator whose log gets no checkpoint (no `audit`
 * section): a mint that does not ask is answered as before, one that asks waits at most what
 * it asked and still gets its token (`receipt: null`), never an error; the receipt route says
 * `receipt_pending` with `Retry-After`, and the wait is bounded by the schema.
 */
describe('receipt waits are opt-in and bounded', () => {
  let stack: InProcessStack;
  beforeAll(async () => {
    stack = await startInProcessStack();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const mint = async (body: object) => {
    const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.layout.bearer}`,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers a mint that does not ask without a receipt, and one that asks with receipt null after its wait', async () => {
    const plain = await mint(DEMO);
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty('receipt');
    const t0 = Date.now();
    const waited = await mint({ ...DEMO, wait_for_receipt: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(waited.status).toBe(200);
    expect(waited.body.token).toEqual(expect.any(String));
    expect(waited.body.receipt).toBeNull();
    const pending = await fetch(`${stack.coordinatorUrl}/v1/audit/receipts/${waited.body.jti}`);
    expect(pending.status).toBe(409);
    expect(pending.headers.get('retry-after')).toBe('1');
    expect(((await pending.json()) as { error: string }).error).toBe('receipt_pending');
    const unknown = await fetch(`${stack.coordinatorUrl}/v1/audit/receipts/no-such-jti`);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([
      404,
      'receipt_not_found',
    ]);
  });

  it('refuses a wait beyond 30 s or not a whole number of seconds before minting anything', async () => {
    for (const wait of [31, 0, 1.5, '5']) {
      const answer = await mint({ ...DEMO, wait_for_receipt: wait });
      expect([answer.status, answer.body.error], String(wait)).toEqual([400, 'invalid_request']);
    }
  });
});
