/**
 * SEV-SNP attestation in the running system: three in-process signers and a coordinator
 * talking mTLS gRPC over loopback, DKG, mints. Signers attest through the production `snp`
 * attester over an emulated configfs-tsm whose "firmware" signs with a test VCEK; every
 * verifier trusts the test chain through its ordinary `trustAnchors` configuration.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_POLICY,
  DEV_BEARER_ENV,
  DEV_PASSPHRASE_ENV,
  type DevLayout,
  prepareDevLayout,
} from '@frostmint/cli';
import {
  type RunningCoordinator,
  runDevDkg,
  type SignerAttestationStatus,
  SignerPool,
  startCoordinator,
} from '@frostmint/coordinator';
import {
  type Attester,
  evidenceToWire,
  type FrostmintError,
  loadPolicyFiles,
  requesterReportData,
  requesterWindow,
  signingInput,
  type TokenClaims,
  writeGroupConfig,
} from '@frostmint/core';
import { type AttestationEvidence, SigningPurpose, SignRequest } from '@frostmint/proto';
import { openVault, type RunningSigner, type SignerConfig, startSigner } from '@frostmint/signer';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestChain,
  fakeReport,
  fakeSnpAttester,
  MEASUREMENT,
  ReplayingAttester,
  requesterEvidence,
  vcekTable,
  writeTrustAnchors,
} from '../support/fake-sev-guest.ts';

type Chain = Awaited<ReturnType<typeof createTestChain>>;
const log = pino({ level: 'silent' });
const SUBJECT = 'dev@localhost';
/** Signers and requesters run different images; each verifier pins the right one. */
const SIGNER_IMAGE = { measurements: [Buffer.from(MEASUREMENT).toString('hex')] };
const REQUESTER_MEASUREMENT = new Uint8Array(48).fill(0xee);
const REQUESTER_IMAGE = { measurements: ['ee'.repeat(48)] };
const asRequester = { measurement: REQUESTER_MEASUREMENT };

describe('SEV-SNP attestation between coordinator, signers and requesters (mTLS gRPC, in process)', () => {
  let dir: string;
  let layout: DevLayout;
  let chain: Chain;
  let trustAnchors: Awaited<ReturnType<typeof writeTrustAnchors>>;
  let coordinator: RunningCoordinator | undefined;
  const signers = new Map<number, RunningSigner>();

  const signerConfig = (id: number, over: Partial<SignerConfig> = {}): SignerConfig => ({
    ...layout.signers[id - 1]!,
    attestationVerifier: { trustAnchors, requirements: SIGNER_IMAGE },
    requesterAttestationVerifier: { trustAnchors, requirements: REQUESTER_IMAGE },
    requirePeerAttestation: true,
    ...over,
  });

  /** (Re)starts signer `id` with `attester` standing in for its SEV-SNP guest. */
  const runSigner = async (id: number, attester: Attester) => {
    await signers.get(id)?.close();
    signers.delete(id);
    const config = signerConfig(id);
    signers.set(id, await startSigner({ config, vault: openVault(config, log), log, attester }));
  };

  /** Waits until `pool` reaches signer `id` (after a restart its channel reconnects). */
  const reach = async (pool: SignerPool, id: number) => {
    for (let i = 0; ; i++) {
      const reached = await pool.call(id, 'info', {}).then(
        () => true,
        () => false,
      );
      if (reached) return pool.refresh();
      if (i === 100) throw new Error(`signer ${id} did not come back`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** Restarts signer `id`, waits until the coordinator reaches it again, and attests it. */
  const replaceSigner = async (id: number, attester: Attester) => {
    await runSigner(id, attester);
    await reach(coordinator!.pool, id);
    await coordinator!.attestations.attest(id);
  };

  const readyz = async () =>
    (await (await fetch(`${coordinator!.url}/readyz`)).json()) as {
      signer_attestation: SignerAttestationStatus[];
    };
  const attestationOf = async (id: number) =>
    (await readyz()).signer_attestation.find((s) => s.id === id)!;

  const mint = async (body: object) => {
    const res = await fetch(`${coordinator!.url}/v1/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${layout.bearer}` },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { token?: string; error?: string; message?: string },
    };
  };
  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as TokenClaims;

  /**
   * Acts as a rogue coordinator: round one on `target` and `partner`, then asks `target`
   * alone to sign a token for `scope`. Returns the share length, or the refusal code.
   */
  const rogueSign = async (
    target: number,
    partner: number,
    scope: string,
    requesterAttestation?: AttestationEvidence,
  ) => {
    const { pool } = coordinator!;
    const policy = (await loadPolicyFiles(DEMO_POLICY)).id;
    const jwks = (await (await fetch(`${coordinator!.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const ids = [target, partner].sort((a, b) => a - b);
    const commits = await Promise.all(
      ids.map((id) => pool.call(id, 'commit', { requestId: 'rogue' })),
    );
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: layout.coordinator.issuer,
      sub: SUBJECT,
      aud: 'deploy-api',
      scope,
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: randomBytes(16).toString('base64url'),
      client_id: 'frostmint-dev',
      amr: ['dev'],
      frostmint: { signers: ids, policy },
    };
    // fromPartial: fields this test does not set keep their defaults.
    const req = SignRequest.fromPartial({
      requestId: 'rogue',
      message: Buffer.from(
        signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0]!.kid }, claims),
        'latin1',
      ),
      commitments: commits.map((c) => ({
        signerId: c.signerId,
        hiding: c.hiding,
        binding: c.binding,
      })),
      evidence: { kind: { $case: 'dev', value: { subject: SUBJECT } } },
      purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
      requesterAttestation,
    });
    return pool.call(target, 'sign', req).then(
      (r) => r.signatureShare.length,
      (e: FrostmintError) => e.code,
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-attest-'));
    chain = await createTestChain('Milan');
    trustAnchors = await writeTrustAnchors(chain, dir);
    layout = await prepareDevLayout(join(dir, 'stack'));
    process.env[DEV_PASSPHRASE_ENV] = layout.passphrase;
    process.env[DEV_BEARER_ENV] = layout.bearer;
    await runSigner(1, fakeSnpAttester(chain));
    await runSigner(2, fakeSnpAttester(chain));
    await runSigner(3, fakeSnpAttester(chain, { tamperSignature: true }));
  });

  afterAll(async () => {
    await coordinator?.close();
    await Promise.all([...signers.values()].map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('a signer configured for snp on a machine without SEV-SNP refuses to start, saying why', async () => {
    const config = signerConfig(1, {
      listen: '127.0.0.1:0',
      attestation: {
        kind: 'snp',
        configfsPath: join(dir, 'no-configfs-tsm'),
        sevGuestDevice: join(dir, 'no-sev-guest'),
        helperTimeoutMs: 10_000,
      },
    });
    await expect(startSigner({ config, vault: openVault(config, log), log })).rejects.toMatchObject(
      {
        code: 'attestation_unavailable',
        message: expect.stringContaining('not an SEV-SNP guest'),
      },
    );
  });

  it('DKG: signers that require peer attestation seal nothing to a peer whose evidence fails, and run once it verifies', async () => {
    const pool = new SignerPool(layout.coordinator.signers, layout.coordinator.tls, {
      deadlineMs: 5_000,
      healthIntervalMs: 60_000,
      log,
    });
    const dkg = () =>
      runDevDkg(pool, {
        threshold: 2,
        signers: layout.coordinator.signers,
        tls: layout.coordinator.tls,
        log,
      });
    try {
      await expect(dkg()).rejects.toMatchObject({
        code: 'dkg_peer_attestation_failed',
        message: expect.stringMatching(/signer 3 did not attest: report_signature/),
      });
      await runSigner(3, fakeSnpAttester(chain));
      await reach(pool, 3);
      const group = await dkg();
      await writeGroupConfig(layout.coordinator.stateDir, group);
    } finally {
      pool.close();
    }
  });

  it('the coordinator attests each signer and shows in /readyz why one is excluded (forged report)', async () => {
    await runSigner(3, fakeSnpAttester(chain, { tamperSignature: true }));
    coordinator = await startCoordinator({
      config: {
        ...layout.coordinator,
        attestation: {
          verifier: { trustAnchors, requirements: SIGNER_IMAGE },
          requesterVerifier: { trustAnchors, requirements: REQUESTER_IMAGE },
          intervalMs: 600_000,
        },
      },
      log,
    });
    const status = (await readyz()).signer_attestation;
    expect(status.map((s) => [s.id, s.kind, s.verified, s.fresh])).toEqual([
      [1, 'snp', true, true],
      [2, 'snp', true, true],
      [3, 'snp', false, false],
    ]);
    expect(status[0]).toMatchObject({ product: 'Milan', measurement: 'ab'.repeat(48) });
    expect(status[2]!.problem).toMatch(/^report_signature: /);
    const metrics = await (await fetch(`${coordinator.url}/metrics`)).text();
    expect(metrics).toContain('frostmint_signer_attestation_verified{signer="1"} 1');
    expect(metrics).toContain('frostmint_signer_attestation_verified{signer="3"} 0');
    expect(metrics).toContain(
      'frostmint_signer_attestations_total{signer="3",outcome="attestation_signature"} 1',
    );
  });

  it('a scope whose policy requires signer attestation is signed by attested signers only', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await mint({ scope: ['deploy:attested'], audience: 'deploy-api' });
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.token!).frostmint.signers).toEqual([1, 2]);
    }
  });

  it('excludes a signer whose measurement is not in the allow-list', async () => {
    await replaceSigner(3, fakeSnpAttester(chain, { measurement: new Uint8Array(48).fill(0xcd) }));
    const three = await attestationOf(3);
    expect(three).toMatchObject({ verified: false, measurement: 'cd'.repeat(48) });
    expect(three.problem).toMatch(/^measurement: /);
  });

  it('excludes a signer that replays old evidence for a fresh nonce', async () => {
    await replaceSigner(3, new ReplayingAttester(fakeSnpAttester(chain)));
    await coordinator!.attestations.attest(3); // the replay, whoever got the first answer
    expect((await attestationOf(3)).problem).toMatch(/^report_data: /);
  });

  it('answers 503 signer_attestation_unavailable when too few signers are attested; other scopes still mint', async () => {
    await signers.get(2)!.close();
    signers.delete(2);
    try {
      await coordinator!.attestations.attest(2);
      const denied = await mint({ scope: ['deploy:attested'], audience: 'deploy-api' });
      expect({ status: denied.status, ...denied.body }).toMatchObject({
        status: 503,
        error: 'signer_attestation_unavailable',
      });
      expect(denied.body.message).toMatch(/signer 3: report_data: /);
      const canary = await mint({ scope: ['deploy:canary'], audience: 'deploy-api' });
      expect({ status: canary.status, error: canary.body.error }).toEqual({
        status: 200,
        error: undefined,
      });
      expect(claimsOf(canary.body.token!).frostmint.signers).toEqual([1, 3]);
    } finally {
      await replaceSigner(2, fakeSnpAttester(chain));
    }
    expect((await attestationOf(2)).fresh).toBe(true);
  });

  it('Attest refuses a nonce outside 16..256 bytes', async () => {
    await expect(
      coordinator!.pool.call(1, 'attest', { nonce: randomBytes(8) }),
    ).rejects.toMatchObject({ code: 'attestation_nonce_invalid' });
  });

  describe('requester attestation (policy requires it for deploy:confidential)', () => {
    const request = { scope: ['deploy:confidential'], audience: 'deploy-api' };
    const binding = (over: object = {}) => ({
      subject: SUBJECT,
      audience: 'deploy-api',
      scopes: ['deploy:confidential'],
      window: requesterWindow(Date.now() / 1000),
      ...over,
    });

    it('mints with valid evidence bound to the request', async () => {
      const res = await mint({
        ...request,
        attestation: await requesterEvidence(chain, binding(), asRequester),
      });
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.token!).scope).toBe('deploy:confidential');
    });

    const refused: [string, () => Promise<object | undefined>][] = [
      ['no evidence', async () => undefined],
      [
        'evidence for another audience',
        () => requesterEvidence(chain, binding({ audience: 'x' }), asRequester),
      ],
      [
        'evidence from an old window',
        () => requesterEvidence(chain, binding({ window: 1 }), asRequester),
      ],
      [
        'a forged report',
        () => requesterEvidence(chain, binding(), { ...asRequester, tamperSignature: true }),
      ],
      ['a guest image not allowed for requesters', () => requesterEvidence(chain, binding())],
    ];
    it.each(refused)('denies %s: 403 requester_attestation_missing', async (_name, evidence) => {
      const attestation = await evidence();
      const res = await mint({ ...request, ...(attestation ? { attestation } : {}) });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('policy_denied');
      expect(res.body.message).toContain('requester_attestation_missing');
    });

    it('answers 400 for malformed evidence', async () => {
      const res = await mint({
        ...request,
        attestation: { report: Buffer.alloc(100).toString('base64') },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('attestation_evidence_invalid');
    });

    it('each signer verifies the evidence itself: a coordinator that drops or swaps it gets no share', async () => {
      const ask = (evidence?: AttestationEvidence) =>
        rogueSign(1, 2, 'deploy:confidential', evidence);
      const wire = async (b: object) =>
        evidenceToWire({
          kind: 'snp',
          report: await fakeReport(chain, requesterReportData(binding(b)), asRequester),
          certTable: vcekTable(chain),
        });
      expect(await ask()).toBe('policy_denied');
      expect(await ask(await wire({ scopes: ['deploy:canary'] }))).toBe('policy_denied');
      expect(await ask(await wire({}))).toBe(32);
    });
  });

  it('a signer whose own evidence does not verify refuses scopes that require signer attestation, whatever the coordinator asks', async () => {
    await replaceSigner(3, fakeSnpAttester(chain, { tamperSignature: true }));
    expect(await rogueSign(3, 1, 'deploy:attested')).toBe('policy_denied');
    expect(await rogueSign(3, 1, 'deploy:canary')).toBe(32);
    expect(await rogueSign(1, 2, 'deploy:attested')).toBe(32);
  });
});
