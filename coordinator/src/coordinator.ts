import type { Server as TlsServer } from 'node:tls';
import {
  AttestationVerifier,
  canonicalJson,
  type FrostGroup,
  groupPublicKeyOf,
  InvalidRequestError,
  jwksEventLogger,
  loadGroup,
  NotFoundError,
  OidcVerifier,
  requireReadableFiles,
  UnauthenticatedError,
} from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { anomalyOptions } from './anomaly/config.ts';
import { AnomalyDetector } from './anomaly/detector.ts';
import { anomalyTap } from './anomaly/tap.ts';
import { registerWebApprovalRoutes } from './approvals/web/routes.ts';
import { AuditLog } from './audit/audit-log.ts';
import { Checkpointer, type CheckpointQuorum } from './audit/checkpointer.ts';
import { AuditCheckpoints } from './audit/checkpoints.ts';
import { sha256Hex } from './audit/entry-digests.ts';
import { LogTiles } from './audit/log-tiles.ts';
import { LogTree } from './audit/log-tree.ts';
import { Receipts } from './audit/receipts.ts';
import { createWitnessMetrics, WitnessCosigner } from './audit/witness/index.ts';
import { CredentialRouter } from './auth/by-credential.ts';
import { DevBearerAuthenticator } from './auth/dev-bearer.ts';
import { OidcAuthenticator } from './auth/oidc.ts';
import type { RequesterAuthenticator } from './auth/types.ts';
import { type CoordinatorConfig, type SignerEndpoint, SignerEndpointSchema } from './config.ts';
import { MintDpop } from './dpop/index.ts';
import { buildCoordinatorApp } from './http/app.ts';
import { loadHttpsIdentity, reloadHttpsIdentity } from './http/https.ts';
import { startBackgroundJobs } from './jobs.ts';
import { GroupLifecycle } from './keys/group-lifecycle.ts';
import {
  JWKS_CACHE_SECONDS,
  JwksKeyring,
  MAX_CLOCK_TOLERANCE_SECONDS,
} from './keys/jwks-keyring.ts';
import { registerKeyRoutes } from './keys/key-routes.ts';
import { type GroupRuntime, groupMissing, LiveGroup } from './keys/live-group.ts';
import { KeyRotationConfigSchema } from './keys/rotation-config.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { boundedCodes, signerCallObserver } from './metrics-signers.ts';
import { type MintFlows, wireMintFlows } from './mint/wire.ts';
import { MintAttestation } from './mint-attestation.ts';
import { PolicyRollout } from './policy/rollout.ts';
import { registerRequestRoutes } from './requests/routes.ts';
import { CommitmentPool, DEFAULT_PREPROCESS_TARGET } from './signing/commitment-pool.ts';
import { DEFAULT_HEDGE } from './signing/hedge.ts';
import { RoundDriver, type RoundEvents } from './signing/round-driver.ts';
import {
  CoordinatorAttestationConfigSchema,
  SignerAttestations,
} from './signing/signer-attestations.ts';
import { SignerPool } from './signing/signer-pool.ts';
import { type CoordinatorStore, openCoordinatorStore } from './storage/index.ts';

export interface RunningCoordinator {
  readonly app: FastifyInstance;
  readonly pool: SignerPool;
  readonly attestations: SignerAttestations;
  /** The coordinator's state (tests seed rows an older version could have written). */
  readonly store: CoordinatorStore;
  /** The bound base URL, e.g. `http://127.0.0.1:8443`. */
  readonly url: string;
  /** The transparency log's tree, checkpointer and signed checkpoints (`audit` configured). */
  readonly transparency?: Transparency;
  close(): Promise<void>;
}

/**
 * Wires and starts a coordinator: signer pool, round driver, mint service and HTTP API.
 *
 * @example
 * ```ts
 * const coordinator = await startCoordinator({ config, log });
 * ```
 */
export async function startCoordinator(options: {
  config: CoordinatorConfig;
  log: Logger;
  authenticator?: RequesterAuthenticator;
}): Promise<RunningCoordinator> {
  const { config, log } = options;
  await requireReadableFiles(
    { 'tls.ca': config.tls.ca, 'tls.cert': config.tls.cert, 'tls.key': config.tls.key },
    'coordinator config',
  );
  const https = config.https && (await loadHttpsIdentity(config.https));
  const metrics = createMetrics({
    signers: () => activePool().status(),
    quorum: () => {
      const threshold = group.runtime?.entry.config.threshold;
      return threshold === undefined
        ? undefined
        : { available: pool.candidates().length, threshold };
    },
    pendingApprovals: async () =>
      (await group.runtime?.flows.approvals?.gate.listPending())?.length ?? 0,
    auditAppends: () => store.audit.appendStats(),
  });
  const signerCodes = boundedCodes();
  const newPool = (endpoints: readonly SignerEndpoint[]) =>
    new SignerPool(endpoints, config.tls, {
      deadlineMs: config.rpcDeadlineMs,
      healthIntervalMs: config.healthIntervalMs,
      maxClockOffsetMs: config.clockSkewSeconds * 1000,
      degradedForMs: config.signerDegradedMs,
      log,
      onCall: signerCallObserver(metrics, signerCodes),
    });
  // The configured signers; a key made on another signer set gets a pool of its own.
  const pool = newPool(config.signers);
  const activePool = () => group.runtime?.pool ?? pool;
  const attestationConfig = CoordinatorAttestationConfigSchema.parse(config.attestation ?? {});
  const attestations = await SignerAttestations.fromConfig(pool, attestationConfig, {
    policyId: () => policy.current.id,
    log,
    metrics,
  });
  const requesterVerifier = await AttestationVerifier.fromConfig(
    attestationConfig.requesterVerifier ?? attestationConfig.verifier,
  );
  const store = await openCoordinatorStore({
    stateDir: config.stateDir,
    ...(config.storage ? { storage: config.storage } : {}),
  });
  const audit: AuditLog = new AuditLog(
    store.audit,
    Date.now,
    anomalyTap({
      detector: new AnomalyDetector(anomalyOptions(config.anomaly)),
      metrics,
      log,
      audit: () => audit,
    }),
  );
  const rotation = KeyRotationConfigSchema.parse(config.keyRotation ?? {});
  const lifecycle = new GroupLifecycle({
    store: store.groups,
    // A replaced key stays published until its last token expired, plus the verifiers'
    // largest clock tolerance and their JWKS cache window.
    retainSeconds: config.maxTtlSeconds + MAX_CLOCK_TOLERANCE_SECONDS + JWKS_CACHE_SECONDS,
    prepublishSeconds: rotation.prepublishSeconds,
  });
  // group.json / group.next.json of an existing deployment go into the store once.
  await lifecycle.importFiles(config.stateDir, log);
  const groupConfig = (await JwksKeyring.fromStored(await lifecycle.list())).current?.config;
  const preprocess = config.preprocessCommitments ?? DEFAULT_PREPROCESS_TARGET;
  // Preprocessed commitments come from the configured signers (a key on another signer set
  // signs in two rounds); signers without a group at boot have none to give.
  const commitments =
    groupConfig && preprocess > 0
      ? new CommitmentPool(pool, { target: preprocess, log })
      : undefined;
  // The audit log's one in-memory tree: checkpoints, receipts and tiles all read it.
  const logTree = new LogTree(store.audit);
  const policy = await PolicyRollout.open({
    files: config.policy,
    stateDir: config.stateDir,
    group: groupConfig,
    pool,
    log,
    metrics,
  });
  const authenticator = options.authenticator ?? requesterAuthenticator(config, store, log);
  // Enrollments and key lifecycle changes need an operator credential, never a CI ID token.
  const operator = options.authenticator ?? devAuthenticator(config) ?? NO_OPERATOR;
  const allFlows = new Set<MintFlows>();
  const group: LiveGroup<CoordinatorGroup> = new LiveGroup<CoordinatorGroup>({
    lifecycle,
    stateDir: config.stateDir,
    pollMs: rotation.pollMs,
    log,
    build: async (entry, previous) => {
      const endpoints = entry.row.signers
        ? SignerEndpointSchema.array().parse(entry.row.signers)
        : config.signers;
      const signers =
        canonicalJson(endpoints) === canonicalJson(config.signers)
          ? pool
          : previous && canonicalJson(endpoints) === canonicalJson(previous.endpoints)
            ? previous.pool
            : newPool(endpoints);
      // A new key's signers were not ready at the last health probe (no group yet, or a new
      // set): ask them now, not a health interval later, so the first mints find a quorum.
      if (previous?.entry.row.kid !== entry.row.kid) await signers.refresh();
      const frost = loadGroup(groupPublicKeyOf(entry.config));
      const driver = new RoundDriver(signers, frost, log, {
        events: roundAudit(audit, metrics, log, signerCodes),
        hedge: { ...DEFAULT_HEDGE, capMs: config.rpcDeadlineMs },
        ...(commitments && signers === pool ? { commitments } : {}),
      });
      // A share refresh keeps the key, so the flows (whose tokens name the kid) stay.
      const flows =
        previous?.entry.row.kid === entry.row.kid
          ? previous.flows
          : wireMintFlows({
              config,
              store,
              pool: signers,
              frost,
              kid: entry.config.kid,
              threshold: entry.config.threshold,
              guardians: entry.config.version === 2 ? entry.config.guardians.keys : [],
              policy,
              audit,
              log,
              metrics,
              driver: group,
              attestation: new MintAttestation(
                attestations,
                requesterVerifier,
                entry.config.threshold,
                log,
              ),
              operator,
            });
      allFlows.add(flows);
      return { entry, driver, frost, flows, pool: signers, endpoints };
    },
    swapped: (runtime, previous) => {
      // Shares checked against the previous verifying shares were wrongly marked faulty.
      runtime.pool.clearFaulty();
      // The previous key's own signers: let in-flight rounds finish, then hang up.
      const old = previous?.pool;
      if (old && old !== pool && old !== runtime.pool)
        setTimeout(() => old.close(), config.rpcDeadlineMs * 4).unref();
    },
  });
  // Checkpoints are co-signed by the current key's quorum, whichever key that is at each cut.
  const transparency =
    config.audit &&
    auditTransparency(config.audit, store, {
      tree: logTree,
      audit,
      quorum: () => checkpointQuorum(group.runtime),
      log,
      metrics,
    });
  await group.start();
  transparency?.checkpointer.start();
  const boot = group.runtime;
  if (!boot) log.warn('no group configuration: mints answer 503 until the DKG ceremony has run');
  // Sweeps run on every coordinator, whatever flows it serves.
  const jobs = startBackgroundJobs({ store, log });
  const receipts = new Receipts({
    store: store.audit,
    tree: logTree,
    ...(transparency ? { checkpointer: transparency.checkpointer } : {}),
    ...(transparency?.witnesses ? { witnesses: transparency.witnesses } : {}),
  });
  const app = buildCoordinatorApp({
    issuer: config.issuer,
    dpop: new MintDpop({ issuer: config.issuer, clockSkewSeconds: config.clockSkewSeconds }),
    log,
    pool: { status: () => activePool().status(), candidates: () => activePool().candidates() },
    authenticator,
    metrics,
    policy,
    attestations,
    store: store.health,
    ...(config.trustedProxies ? { trustedProxies: config.trustedProxies } : {}),
    audit: { receipts, tiles: new LogTiles(store.audit, logTree) },
    group: () => groupView(group),
    ...(https ? { https } : {}),
    extraRoutes: (app) => {
      // Read at every request: the flows of the key signing now.
      if (config.webauthn) registerWebAuthnRoutes(app, () => signingFlows(group));
      registerKeyRoutes(app, {
        lifecycle,
        live: group,
        operator,
        holders: (kid, groupKey, endpoints) =>
          keyHolders(newPool(endpoints ?? config.signers), kid, groupKey),
      });
    },
  });
  await pool.refresh();
  commitments?.start();
  await attestations.start(config.healthIntervalMs);
  const [host, port] = config.listen.split(':') as [string, string];
  const address = await app.listen({ host, port: Number(port) });
  // With `https` set, Fastify's raw server is a node:https (tls) server.
  const stopReload =
    config.https &&
    https &&
    reloadHttpsIdentity(app.server as unknown as TlsServer, config.https, https, log);
  return {
    app,
    pool,
    attestations,
    store,
    url: address,
    ...(transparency ? { transparency } : {}),
    close: async () => {
      stopReload?.();
      await transparency?.checkpointer.close();
      jobs.close();
      receipts.close();
      attestations.close();
      await app.close();
      policy.close();
      group.close();
      for (const flows of allFlows) flows.close();
      const own = group.runtime?.pool;
      if (own && own !== pool) own.close();
      commitments?.close();
      pool.close();
      await store.close();
    },
  };
}

/** The audit log's checkpointer and its readers. */
interface Transparency {
  readonly tree: LogTree;
  readonly checkpointer: Checkpointer;
  readonly checkpoints: AuditCheckpoints;
  /** The external witnesses (`audit.witnessing`), whose policy receipts are served under. */
  readonly witnesses?: WitnessCosigner;
}

/** What the checkpointer works with: the log's shared tree and the quorum that co-signs. */
interface TransparencyDeps {
  readonly tree: LogTree;
  readonly audit: AuditLog;
  readonly quorum: () => CheckpointQuorum | undefined;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** The checkpointer and its readers, over the audit store (see `Checkpointer`). */
function auditTransparency(
  config: NonNullable<CoordinatorConfig['audit']>,
  store: CoordinatorStore,
  { tree, audit, quorum, log, metrics }: TransparencyDeps,
): Transparency {
  const witnesses = config.witnessing?.witnesses.length
    ? new WitnessCosigner(config.witnessing, {
        metrics: createWitnessMetrics(metrics.registry),
        logger: log,
      })
    : undefined;
  const checkpointer = new Checkpointer({
    config,
    store: store.audit,
    tree,
    audit,
    quorum,
    log,
    ...(witnesses ? { witnesses } : {}),
    onUnlogged: (signer) => metrics.auditUnloggedSignings.inc({ signer: String(signer) }),
    onCut: (c, ms) => log.debug({ size: c.size, ms: Math.round(ms) }, 'checkpoint co-signed'),
  });
  return {
    tree,
    checkpointer,
    checkpoints: new AuditCheckpoints(store.audit, checkpointer),
    ...(witnesses ? { witnesses } : {}),
  };
}

/** The mint flows of the key signing now; 503 `group_missing` before the DKG. */
function signingFlows(group: LiveGroup<CoordinatorGroup>): MintFlows {
  const runtime = group.runtime;
  if (!runtime) throw groupMissing();
  return runtime.flows;
}

/** The two-step WebAuthn requests and the guardian web approval pages, served by `flows()`. */
function registerWebAuthnRoutes(app: FastifyInstance, flows: () => MintFlows): void {
  // Every key's flows have `requests` when `webauthn` is configured.
  registerRequestRoutes(app, () => flows().requests!);
  registerWebApprovalRoutes(app, () => {
    const { webApprovals } = flows();
    if (!webApprovals) throw new NotFoundError('not_found', 'the group key has no guardians');
    return webApprovals;
  });
}

/** The live group's signers and key, which co-sign the next checkpoint (none before the DKG). */
function checkpointQuorum(live: CoordinatorGroup | undefined): CheckpointQuorum | undefined {
  return (
    live && {
      pool: live.pool,
      signer: live.driver,
      groupKey: live.frost.publicKey.groupKey,
      threshold: live.frost.publicKey.threshold,
    }
  );
}

/** What signs for one group configuration, and the mint flows whose tokens name its kid. */
interface CoordinatorGroup extends GroupRuntime {
  readonly flows: MintFlows;
  readonly frost: FrostGroup;
  /** The signers holding this key's shares (the configured pool unless stored otherwise). */
  readonly pool: SignerPool;
  readonly endpoints: readonly SignerEndpoint[];
}

/** The HTTP API's view of the group signing now (undefined before any DKG). */
function groupView(group: LiveGroup<CoordinatorGroup>) {
  const runtime = group.runtime;
  if (!runtime) return undefined;
  const { flows } = runtime;
  return {
    jwk: runtime.entry.jwk,
    jwks: group,
    threshold: runtime.entry.config.threshold,
    mints: flows.mints,
    ...(flows.approvals ? { approvals: flows.approvals } : {}),
  };
}

/** How many signers of `pool` report over mTLS that they hold `kid` with `groupKey`; closes the pool. */
async function keyHolders(pool: SignerPool, kid: string, groupKey: Buffer): Promise<number> {
  try {
    const infos = await Promise.allSettled(pool.ids().map((id) => pool.call(id, 'info', {})));
    return infos.filter(
      (i) =>
        i.status === 'fulfilled' &&
        i.value.kid === kid &&
        Buffer.from(i.value.groupPublicKey).equals(groupKey),
    ).length;
  } finally {
    pool.close();
  }
}

/** Refuses every enrollment operator request: no operator credential is configured. */
const NO_OPERATOR: RequesterAuthenticator = {
  kind: 'none',
  authenticate: () =>
    Promise.reject(
      new UnauthenticatedError(
        'operator_unconfigured',
        'enrollments need an operator credential: set devBearerEnv and its environment variable',
      ),
    ),
};

function devAuthenticator(config: CoordinatorConfig): RequesterAuthenticator | undefined {
  const credential = config.devBearerEnv ? process.env[config.devBearerEnv] : undefined;
  if (!credential) return undefined;
  return new DevBearerAuthenticator(credential);
}

/** OIDC ID tokens (CI) and/or the dev bearer, chosen per request by credential type. */
function requesterAuthenticator(
  config: CoordinatorConfig,
  store: CoordinatorStore,
  log: Logger,
): RequesterAuthenticator {
  const opaque = devAuthenticator(config);
  const jwt = config.oidc
    ? new OidcAuthenticator(
        new OidcVerifier(config.oidc, { onEvent: jwksEventLogger(log) }),
        store.replay,
      )
    : undefined;
  if (!opaque && !jwt) {
    throw new InvalidRequestError(
      'auth_unconfigured',
      'no requester authentication configured: set oidc (CI issuers), or devBearerEnv (local demo only) and its environment variable',
    );
  }
  return new CredentialRouter({ ...(jwt ? { jwt } : {}), ...(opaque ? { opaque } : {}) });
}

/**
 * Signer refusals and quorum losses go to the audit log (an operator must see a signer
 * refusing what the coordinator asked) and the metrics. An audit write that fails is
 * logged; it never changes the mint's outcome.
 */
function roundAudit(
  audit: AuditLog,
  metrics: Metrics,
  log: Logger,
  code: (code: string) => string,
): RoundEvents {
  const record = (entry: Parameters<AuditLog['record']>[0]) =>
    audit.record(entry).catch((err: unknown) => {
      log.error({ code: (err as { code?: string }).code, type: entry.type }, 'audit write failed');
    });
  return {
    signerRefused: (r) => {
      metrics.signerRefusals.inc({ signer: String(r.signer), code: code(r.code) });
      return record({
        type: 'signer_refusal',
        request: r.requestId,
        signer: r.signer,
        rpc: r.rpc,
        code: r.code,
      });
    },
    quorumLost: (q) =>
      record({
        type: 'quorum_loss',
        request: q.requestId,
        available: q.available,
        needed: q.needed,
        refusals: q.refusals,
      }),
    unusedSigning: (u) =>
      record({
        type: 'unused_signing',
        request: u.requestId,
        purpose: u.purpose,
        signers: u.signers,
        signing_input: Buffer.from(u.message).toString('base64url'),
        signing_input_sha256: sha256Hex(u.message),
      }),
  };
}
