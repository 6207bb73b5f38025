/**
 * The coordinator's per-signer attestation state, against a pool stand-in that answers
 * `Attest` like signers would (reports signed by a test VCEK) and verified by the production
 * verifier. The clock is injected, so freshness is tested without waiting.
 */
import { X509Certificate } from 'node:crypto';
import {
  AttestationVerifier,
  CERT_TABLE_GUID,
  evidenceToWire,
  reportDataFor,
  UnavailableError,
} from '@frostmint/core';
import type { AttestResponse } from '@frostmint/proto';
import {
  certTable,
  createTestChain,
  MEASUREMENT,
  signedReport,
  type TestChain,
} from '@frostmint/test-support/snp';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.ts';
import { SignerAttestations } from '../../src/signing/signer-attestations.ts';
import type { SignerPool } from '../../src/signing/signer-pool.ts';

const POLICY = 'sha256:policy';
const INTERVAL = 60_000;

let chain: TestChain;
let tlsCert: Buffer;
let tlsSpki: Uint8Array;
beforeAll(async () => {
  chain = await createTestChain('Milan');
  // Any certificate serves as "the signer's TLS certificate on this connection".
  tlsCert = Buffer.from(chain.ask.rawData);
  tlsSpki = new X509Certificate(tlsCert).publicKey.export({ type: 'spki', format: 'der' });
});

/** A pool whose signers answer `Attest` with `answer`; records every nonce asked. */
function fakePool(answer: (id: number, nonce: Uint8Array) => Promise<AttestResponse>) {
  const nonces = new Map<number, string[]>();
  const pool = {
    ids: () => [1, 2, 3],
    callWithPeer: async (id: number, _rpc: 'attest', req: { nonce: Uint8Array }) => {
      nonces.set(id, [...(nonces.get(id) ?? []), Buffer.from(req.nonce).toString('hex')]);
      return { res: await answer(id, req.nonce), peerCertificate: { raw: tlsCert } };
    },
  } as unknown as SignerPool;
  return { pool, nonces };
}

/** An honest signer's answer: a report bound to the nonce, the TLS key and `policyId`. */
const honest = async (nonce: Uint8Array, policyId = POLICY): Promise<AttestResponse> => ({
  evidence: evidenceToWire({
    kind: 'snp',
    report: await signedReport(chain, { reportData: reportDataFor({ nonce, tlsSpki, policyId }) }),
    certTable: certTable([[CERT_TABLE_GUID.vcek, chain.vcek]]),
  }),
  policyId,
});

function tracker(pool: SignerPool, clock: { now: number }, log = pino({ level: 'silent' })) {
  const metrics = createMetrics();
  const attestations = new SignerAttestations(
    pool,
    new AttestationVerifier({ trustAnchors: [chain.anchor] }),
    {
      intervalMs: INTERVAL,
      policyId: () => POLICY,
      log,
      metrics,
      now: () => clock.now,
    },
  );
  return { attestations, metrics };
}

describe('SignerAttestations', () => {
  it('attests every signer with a fresh nonce each time and builds the quorum verdict', async () => {
    const { pool, nonces } = fakePool((_id, nonce) => honest(nonce));
    const clock = { now: 1_000_000 };
    const { attestations } = tracker(pool, clock);
    await attestations.attestDue();
    expect(attestations.freshIds()).toEqual([1, 2, 3]);
    expect(attestations.quorumVerdict(2)).toEqual({
      verified: true,
      product: 'Milan',
      measurement: Buffer.from(MEASUREMENT).toString('hex'),
      tcb: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
    });
    await attestations.attestDue(); // nothing due yet
    expect(nonces.get(1)).toHaveLength(1);
    clock.now += INTERVAL;
    await attestations.attestDue();
    const asked = nonces.get(1)!;
    expect(asked).toHaveLength(2);
    expect(new Set(asked).size).toBe(2);
    expect(asked.every((n) => n.length === 64)).toBe(true);
  });

  it('lets a verdict expire after maxAgeMs (default twice the interval)', async () => {
    let reachable = true;
    const { pool } = fakePool(async (_id, nonce) => {
      if (!reachable) throw new UnavailableError('signer_unavailable', 'connection refused');
      return honest(nonce);
    });
    const clock = { now: 0 };
    const { attestations } = tracker(pool, clock);
    await attestations.attestDue();
    expect(attestations.quorumVerdict(2).verified).toBe(true);
    clock.now += 2 * INTERVAL + 1;
    expect(attestations.isFresh(1)).toBe(false);
    expect(attestations.quorumVerdict(2)).toEqual({ verified: false });
    // Unreachable: the verdict is revoked and the signer is attested again as soon as it answers.
    reachable = false;
    await attestations.attestDue();
    expect(attestations.status()[0]).toMatchObject({ verified: false, fresh: false });
    reachable = true;
    await attestations.attestDue();
    expect(attestations.freshIds()).toEqual([1, 2, 3]);
  });

  it('logs an unreachable signer once, not at every 2 s retry, and logs its return', async () => {
    let reachable = false;
    const { pool } = fakePool(async (_id, nonce) => {
      if (!reachable) throw new UnavailableError('signer_unavailable', 'connection refused');
      return honest(nonce);
    });
    const lines: { level: number; signer?: number; msg: string; repeated?: number }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const clock = { now: 0 };
    const { attestations } = tracker(pool, clock, log);
    // One minute of retries every 2 s while all three signers are down.
    for (; clock.now < 60_000; clock.now += 2_000) await attestations.attestDue();
    const down = lines.filter((l) => l.msg === 'signer not reachable for attestation');
    expect(down.map((l) => l.signer)).toEqual([1, 2, 3]);
    reachable = true;
    await attestations.attestDue();
    const back = lines.filter((l) => l.msg === 'signer attestation verified');
    expect(back).toHaveLength(3);
    expect(back[0]).toMatchObject({ previous: 'unreachable', repeated: 29 });
  });

  it('refuses a signer that runs another policy, and one whose evidence fails, saying why', async () => {
    const { pool } = fakePool(async (id, nonce) =>
      id === 2
        ? honest(nonce, 'sha256:other')
        : id === 3
          ? { evidence: evidenceToWire({ kind: 'none' }), policyId: POLICY }
          : honest(nonce),
    );
    const { attestations, metrics } = tracker(pool, { now: 5 });
    await attestations.attestDue();
    const [one, two, three] = attestations.status();
    expect(one).toMatchObject({ id: 1, kind: 'snp', verified: true, fresh: true });
    expect(two).toMatchObject({ id: 2, verified: false, policy_id: 'sha256:other' });
    expect(two!.problem).toMatch(/runs policy sha256:other/);
    expect(three).toMatchObject({ id: 3, kind: 'none', verified: false });
    expect(attestations.quorumVerdict(2)).toEqual({ verified: false });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'frostmint_signer_attestations_total{signer="2",outcome="attestation_policy_mismatch"} 1',
    );
    expect(text).toContain(
      'frostmint_signer_attestations_total{signer="3",outcome="attestation_missing"} 1',
    );
  });
});
