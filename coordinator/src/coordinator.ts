import {
  groupJwk,
  groupPublicKeyOf,
  InvalidRequestError,
  loadGroup,
  loadPolicyFiles,
  readGroupConfig,
} from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.ts';
import { DevBearerAuthenticator } from './auth/dev-bearer.ts';
import type { RequesterAuthenticator } from './auth/types.ts';
import type { CoordinatorConfig } from './config.ts';
import { buildCoordinatorApp } from './http/app.ts';
import { createMetrics } from './metrics.ts';
import { MintService } from './mint.ts';
import { webauthnRoutes } from './requests/wire.ts';
import { RoundDriver } from './signing/round-driver.ts';
import { SignerPool } from './signing/signer-pool.ts';
import { openCoordinatorStore } from './storage/index.ts';

export interface RunningCoordinator {
  readonly app: FastifyInstance;
  readonly pool: SignerPool;
  /** The bound base URL, e.g. `http://127.0.0.1:8443`. */
  readonly url: string;
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
  const pool = new SignerPool(config.signers, config.tls, {
    deadlineMs: config.rpcDeadlineMs,
    healthIntervalMs: config.healthIntervalMs,
    log,
  });
  const policy = await loadPolicyFiles(config.policy);
  log.info({ policy: policy.id }, 'policy loaded');
  const metrics = createMetrics();
  const store = await openCoordinatorStore({
    stateDir: config.stateDir,
    ...(config.storage ? { storage: config.storage } : {}),
  });
  const audit = new AuditLog(store.audit);
  const groupConfig = await readGroupConfig(config.stateDir);
  const group = groupConfig
    ? await (async () => {
        const frost = loadGroup(groupPublicKeyOf(groupConfig));
        const driver = new RoundDriver(pool, frost, log);
        const mints = new MintService({
          issuer: config.issuer,
          kid: groupConfig.kid,
          defaultTtlSeconds: config.defaultTtlSeconds,
          maxTtlSeconds: config.maxTtlSeconds,
          driver,
          policy,
          log,
          metrics,
          audit,
        });
        return {
          jwk: await groupJwk(frost.publicKey.groupKey),
          threshold: groupConfig.threshold,
          mints,
          frost,
        };
      })()
    : undefined;
  if (!group) log.warn('no group configuration: mints answer 503 until the DKG ceremony has run');
  const authenticator = options.authenticator ?? devAuthenticator(config);
  const webauthn =
    group &&
    groupConfig &&
    webauthnRoutes({
      config,
      store,
      pool,
      frost: group.frost,
      kid: groupConfig.kid,
      threshold: groupConfig.threshold,
      policy,
      audit,
      log,
      operator: authenticator,
      metrics,
    });
  const app = buildCoordinatorApp({
    issuer: config.issuer,
    log,
    pool,
    authenticator,
    metrics,
    ...(group ? { group } : {}),
    ...(webauthn ? { extraRoutes: webauthn.register } : {}),
  });
  await pool.refresh();
  const [host, port] = config.listen.split(':') as [string, string];
  const address = await app.listen({ host, port: Number(port) });
  return {
    app,
    pool,
    url: address,
    close: async () => {
      await app.close();
      if (webauthn) webauthn.close();
      pool.close();
      await store.close();
    },
  };
}

function devAuthenticator(config: CoordinatorConfig): RequesterAuthenticator {
  const credential = config.devBearerEnv ? process.env[config.devBearerEnv] : undefined;
  if (!credential) {
    throw new InvalidRequestError(
      'auth_unconfigured',
      'no requester authentication configured: set devBearerEnv (local demo only) and its environment variable',
    );
  }
  return new DevBearerAuthenticator(credential);
}
