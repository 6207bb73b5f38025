/**
 * In-process parts for the mint pipeline's unit tests: a real store (PGlite in RAM), the
 * real compiled policy, the real attestation state of a quorum no signer attested yet, and
 * — the one stand-in, for what these tests are not about — a round driver that signs with
 * one Ed25519 key instead of a FROST quorum.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttestationVerifier,
  claimsForEvidence,
  loadPolicyFiles,
  type PolicyEngine,
  type PolicyInput,
  WebAuthnConfigSchema,
} from '@frostmint/core';
import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { ApprovalGate } from '../../src/approvals/gate.ts';
import { type AuditEntry, AuditLog } from '../../src/audit/audit-log.ts';
import { DevBearerAuthenticator } from '../../src/auth/dev-bearer.ts';
import type { Requester } from '../../src/auth/types.ts';
import { createMetrics } from '../../src/metrics.ts';
import { MintService } from '../../src/mint/one-step.ts';
import { MintPipeline } from '../../src/mint/pipeline.ts';
import { PolledMints } from '../../src/mint/polled.ts';
import { MintAttestation } from '../../src/mint-attestation.ts';
import { AbuseConfigSchema, AbuseGuard } from '../../src/requests/abuse.ts';
import { ApprovedTaps } from '../../src/requests/approved-requests.ts';
import type { RequestContext } from '../../src/requests/context.ts';
import { MintRequestService } from '../../src/requests/mint-requests.ts';
import type { SignAttempt, TokenSigner } from '../../src/signing/round-driver.ts';
import { SignerAttestations } from '../../src/signing/signer-attestations.ts';
import { SignerPool } from '../../src/signing/signer-pool.ts';
import { type CoordinatorStore, openCoordinatorStore } from '../../src/storage/index.ts';
import { guardian, type TestGuardian } from './guardians.ts';

/** The project's compiled policy, through its package's entry points. */
const POLICY = {
  wasm: fileURLToPath(import.meta.resolve('@frostmint/policy/policy.wasm')),
  data: fileURLToPath(import.meta.resolve('@frostmint/policy/data.json')),
};
const THRESHOLD = 2;
const DEV_BEARER = 'dev-bearer-credential-of-at-least-32-chars';

/** The policy engine in force, recording every mint policy input it is given. */
export interface RecordingPolicy {
  readonly current: PolicyEngine;
  readonly inputs: PolicyInput[];
}

/** The stand-in round driver: records each attempt, signs with one key. */
export interface OneKeyDriver extends TokenSigner {
  readonly attempts: SignAttempt[];
}

function oneKeyDriver(): OneKeyDriver {
  const { privateKey } = generateKeyPairSync('ed25519');
  const attempts: SignAttempt[] = [];
  return {
    attempts,
    async sign(attempt) {
      attempts.push(attempt);
      const signers = attempt.signers ? [...attempt.signers] : [1, 2];
      const message = attempt.messageFor(signers);
      return { message, signature: sign(null, message, privateKey), signers };
    },
  };
}

/** A store of its own in RAM (PGlite), removed by `close`. */
export async function ramStore(now?: () => number) {
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const stateDir = await mkdtemp(join(scratch, 'frostmint-mint-test-'));
  const store = await openCoordinatorStore({ stateDir, ...(now ? { now } : {}) });
  return {
    store,
    close: async () => {
      await store.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Every front end of the mint pipeline over one store, policy and driver. */
export interface Flows {
  readonly store: CoordinatorStore;
  readonly policy: RecordingPolicy;
  readonly driver: OneKeyDriver;
  readonly guardians: readonly TestGuardian[];
  /** `POST /v1/mint` with guardians (approvals wait for a poll) … */
  readonly oneStep: MintService;
  /** … and without (mints needing approvals are denied). */
  readonly oneStepWithoutGuardians: MintService;
  readonly polled: PolledMints;
  readonly gate: ApprovalGate;
  /** The two-step WebAuthn mint with and without the approval gate. */
  readonly twoStep: MintRequestService;
  readonly twoStepWithoutGuardians: MintRequestService;
  /** Audit entries written since the last call. */
  auditSince(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/**
 * Wires every front end the way `mint/wire.ts` does, minus HTTP.
 *
 * @example
 * ```ts
 * const flows = await mintFlows();
 * await flows.oneStep.mint(await devRequester(), { scope: ['deploy:canary'], audience: 'deploy-api' }, '127.0.0.1');
 * ```
 */
export async function mintFlows(): Promise<Flows> {
  const { store, close } = await ramStore();
  const log = pino({ level: 'silent' });
  const engine = await loadPolicyFiles(POLICY);
  const inputs: PolicyInput[] = [];
  const recording: PolicyEngine = {
    id: engine.id,
    evaluate: (input) => {
      inputs.push(input);
      return engine.evaluate(input);
    },
    evaluateEnrollment: (input) => engine.evaluateEnrollment(input),
  };
  const policy = { current: recording, inputs };
  const metrics = createMetrics();
  const audit = new AuditLog(store.audit);
  const verifier = new AttestationVerifier({ trustAnchors: [] });
  // Nothing attested yet: the quorum verdict is `{verified: false}`.
  const noSigners = new SignerPool(
    [],
    { ca: '', cert: '', key: '' },
    {
      deadlineMs: 1000,
      healthIntervalMs: 60_000,
      log,
    },
  );
  const signerAttestations = new SignerAttestations(noSigners, verifier, {
    intervalMs: 60_000,
    policyId: () => engine.id,
    log,
    metrics,
  });
  const driver = oneKeyDriver();
  const pipeline = new MintPipeline({
    issuer: 'https://frostmint.test',
    kid: 'test-kid',
    defaultTtlSeconds: 600,
    maxTtlSeconds: 900,
    driver,
    policy,
    log,
    metrics,
    audit,
    attestation: new MintAttestation(signerAttestations, verifier, THRESHOLD, log),
  });
  const guardians = [await guardian('Guardian 1'), await guardian('Guardian 2')];
  const ctx: RequestContext = {
    kid: 'test-kid',
    groupKey: new Uint8Array(32),
    threshold: THRESHOLD,
    webauthn: WebAuthnConfigSchema.parse({ rpId: 'localhost', origins: ['http://localhost'] }),
    clockSkewSeconds: 30,
    store,
    // The signer set of a prepared request is picked from the healthy signers.
    pool: { candidates: () => [1, 2, 3] } as unknown as SignerPool,
    pipeline,
    driver,
    policy: recording,
    audit,
    abuse: new AbuseGuard(store, AbuseConfigSchema.parse({}), Date.now),
    log,
    metrics,
    now: Date.now,
  };
  const gate = new ApprovalGate({
    store,
    audit,
    log,
    guardians: guardians.map((g) => g.key),
    approved: new ApprovedTaps(ctx),
  });
  const polled = new PolledMints({ pipeline, gate, store, log });
  let seen = await store.audit.size();
  return {
    store,
    policy,
    driver,
    guardians,
    oneStep: new MintService(pipeline, polled),
    oneStepWithoutGuardians: new MintService(pipeline),
    polled,
    gate,
    twoStep: new MintRequestService({ ...ctx, approvals: gate }),
    twoStepWithoutGuardians: new MintRequestService(ctx),
    async auditSince() {
      const size = await store.audit.size();
      const leaves = await store.audit.read(seen, size);
      seen = size;
      return leaves.map((l) => JSON.parse(l.entryJson) as AuditEntry);
    },
    close,
  };
}

/** The dev requester, through the real dev bearer authenticator. */
export function devRequester(): Promise<Requester> {
  return new DevBearerAuthenticator(DEV_BEARER).authenticate({
    headers: { authorization: `Bearer ${DEV_BEARER}` },
  } as FastifyRequest);
}

/**
 * A CI job as `OidcAuthenticator` describes one after verifying its ID token (the ID token
 * itself is not what these tests are about: no signer sees it).
 */
export function ciRequester(claims: Record<string, string>): Requester {
  const subject = `repo:${claims.repository}:ref:${claims.ref}`;
  const { client_id, amr } = claimsForEvidence('oidc', subject);
  return {
    subject,
    clientId: client_id,
    amr,
    evidence: { kind: { $case: 'oidc', value: { idToken: 'ci-id-token' } } },
    policy: {
      kind: 'ci',
      subject,
      roles: [],
      amr: [...amr],
      oidc: { issuer: 'https://token.actions.githubusercontent.com', ...claims },
    },
  };
}

/** Enrolls `user` with `roles` (what the two-step mint reads at prepare). */
export async function enroll(store: CoordinatorStore, user: string, roles: string[]) {
  await store.enrollments.put({
    credentialId: `cred-${user}-${roles.join('-')}`,
    userId: user,
    publicKey: new Uint8Array(65),
    transports: ['usb'],
    roles,
    certificate: new Uint8Array(64),
    certificateExpiresAt: new Date(Date.now() + 3_600_000),
    createdAt: new Date(),
  });
}
