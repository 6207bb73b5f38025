import type { Server as TlsServer } from 'node:tls';
import {
  AttestationVerifier,
  groupJwk,
  groupPublicKeyOf,
  InvalidRequestError,
  jwksEventLogger,
  loadGroup,
  OidcVerifier,
  readGroupConfig,
  requireReadableFiles,
  UnauthenticatedError,
} from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { anomalyOptions } from './anomaly/config.ts';
import { AnomalyDetector } from './anomaly/detector.ts';
import { anomalyTap } from './anomaly/tap.ts';
import { AuditLog } from './audit/audit-log.ts';
import { Checkpointer } from './audit/checkpointer.ts';
import { AuditCheckpoints } from './audit/checkpoints.ts';
import { LogTiles } from './audit/log-tiles.ts';
import { LogTree } from './audit/log-tree.ts';
import { Receipts } from './audit/receipts.ts';
import { AuditTreeCache } from './audit/tree-cache.ts';
import { createWitnessMetrics, WitnessCosigner } from './audit/witness/index.ts';
import { CredentialRouter } from './auth/by-credential.ts';
import { DevBearerAuthenticator } from './auth/dev-bearer.ts';
import { OidcAuthenticator } from './auth/oidc.ts';
import type { RequesterAuthenticator } from './auth/types.ts';
import type { CoordinatorConfig } from './config.ts';
import { MintDpop } from './dpop/index.ts';
import { buildCoordinatorApp } from './http/app.ts';
import { loadHttpsIdentity, reloadHttpsIdentity } from './http/https.ts';
import { startBackgroundJobs } from './jobs.ts';
import { JwksKeyring, MAX_CLOCK_TOLERANCE_SECONDS } from './keys/jwks-keyring.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { boundedCodes, signerCallObserver } from './metrics-signers.ts';
import { wireMintFlows } from './mint/wire.ts';
import { MintAttestation } from './mint-attestation.ts';
import { PolicyRollout } from './policy/rollout.ts';
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
  readonly transparency?: {
    readonly tree: AuditTreeCache;
    readonly checkpointer: Checkpointer;
    readonly checkpoints: AuditCheckpoints;
  };
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
    signers: () => pool.status(),
    quorum: () => group && { available: pool.candidates().length, threshold: group.threshold },
    pendingApprovals: async () => (await group?.approvals?.gate.listPending())?.length ?? 0,
    auditAppends: () => store.audit.appendStats(),
  });
  const signerCodes = boundedCodes();
  const pool = new SignerPool(config.signers, config.tls, {
    deadlineMs: config.rpcDeadlineMs,
    healthIntervalMs: config.healthIntervalMs,
    maxClockOffsetMs: config.clockSkewSeconds * 1000,
    degradedForMs: config.signerDegradedMs,
    log,
    onCall: signerCallObserver(metrics, signerCodes),
  });
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
  const groupConfig = await readGroupConfig(config.stateDir);
  const preprocess = config.preprocessCommitments ?? DEFAULT_PREPROCESS_TARGET;
  const commitments =
    groupConfig && preprocess > 0
      ? new CommitmentPool(pool, { target: preprocess, log })
      : undefined;
  const policy = await PolicyRollout.open({
    files: config.policy,
    stateDir: config.stateDir,
    group: groupConfig,
    pool,
    log,
    metrics,
  });
  const authenticator = options.authenticator ?? requesterAuthenticator(config, store, log);
  const group = groupConfig
    ? await (async () => {
        const frost = loadGroup(groupPublicKeyOf(groupConfig));
        const driver = new RoundDriver(pool, frost, log, {
          events: roundAudit(audit, metrics, log, signerCodes),
          hedge: { ...DEFAULT_HEDGE, capMs: config.rpcDeadlineMs },
          ...(commitments ? { commitments } : {}),
        });
        const flows = wireMintFlows({
          config,
          store,
          pool,
          frost,
          kid: groupConfig.kid,
          threshold: groupConfig.threshold,
          guardians: groupConfig.version === 2 ? groupConfig.guardians.keys : [],
          policy,
          audit,
          log,
          metrics,
          driver,
          attestation: new MintAttestation(
            attestations,
            requesterVerifier,
            groupConfig.threshold,
            log,
          ),
          // Enrollments are started by an operator credential, never by a CI ID token.
          operator: options.authenticator ?? devAuthenticator(config) ?? NO_OPERATOR,
        });
        const jwk = await groupJwk(frost.publicKey.groupKey);
        const transparency =
          config.audit && auditTransparency(config.audit, store, pool, driver, frost, log, metrics);
        return {
          ...(transparency ? { transparency } : {}),
          jwk,
          // Rotation: a replaced key stays published until its tokens expired (plus the
          // verifiers' largest clock tolerance); a pre-published next key is there too.
          jwks: await JwksKeyring.open({
            stateDir: config.stateDir,
            current: jwk,
            retainSeconds: config.maxTtlSeconds + MAX_CLOCK_TOLERANCE_SECONDS,
          }),
          threshold: groupConfig.threshold,
          mints: flows.mints,
          flows,
          ...(flows.approvals ? { approvals: flows.approvals } : {}),
        };
      })()
    : undefined;
  if (!group) log.warn('no group configuration: mints answer 503 until the DKG ceremony has run');
  // Sweeps run on every coordinator, whatever flows it serves.
  const jobs = startBackgroundJobs({ store, log });
  const logTree = new LogTree(store.audit);
  const receipts = new Receipts({
    store: store.audit,
    tree: logTree,
    ...(group?.transparency ? { checkpointer: group.transparency.checkpointer } : {}),
  });
  group?.transparency?.checkpointer.start();
  const app = buildCoordinatorApp({
    issuer: config.issuer,
    dpop: new MintDpop({ issuer: config.issuer, clockSkewSeconds: config.clockSkewSeconds }),
    log,
    pool,
    authenticator,
    metrics,
    policy,
    attestations,
    store: store.health,
    ...(config.trustedProxies ? { trustedProxies: config.trustedProxies } : {}),
    audit: { receipts, tiles: new LogTiles(store.audit, logTree) },
    ...(group ? { group } : {}),
    ...(https ? { https } : {}),
    ...(group ? { extraRoutes: group.flows.extraRoutes } : {}),
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
    ...(group?.transparency ? { transparency: group.transparency } : {}),
    close: async () => {
      stopReload?.();
      await group?.transparency?.checkpointer.close();
      jobs.close();
      receipts.close();
      attestations.close();
      await app.close();
      policy.close();
      group?.flows.close();
      commitments?.close();
      pool.close();
      await store.close();
    },
  };
}

/** The checkpointer and its readers, over the audit store (see `Checkpointer`). */
function auditTransparency(
  audit: NonNullable<CoordinatorConfig['audit']>,
  store: CoordinatorStore,
  pool: SignerPool,
  driver: RoundDriver,
  frost: ReturnType<typeof loadGroup>,
  log: Logger,
  metrics: Metrics,
) {
  const tree = new AuditTreeCache(store.audit);
  const witnesses = audit.witnessing?.witnesses.length
    ? new WitnessCosigner(audit.witnessing, {
        metrics: createWitnessMetrics(metrics.registry),
        logger: log,
      })
    : undefined;
  const checkpointer = new Checkpointer({
    config: audit,
    store: store.audit,
    tree,
    pool,
    signer: driver,
    groupKey: frost.publicKey.groupKey,
    threshold: frost.publicKey.threshold,
    log,
    ...(witnesses ? { witnesses } : {}),
    onCut: (c, ms) => log.debug({ size: c.size, ms: Math.round(ms) }, 'checkpoint co-signed'),
  });
  return { tree, checkpointer, checkpoints: new AuditCheckpoints(store.audit, checkpointer) };
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
  };
}
