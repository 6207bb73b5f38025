import { type Attester, mtlsServerCredentials, requireReadableFiles } from '@frostmint/core';
import { SignerServiceService } from '@frostmint/proto';
import { Server, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SignerConfig } from './config.ts';
import { SignerDaemon } from './daemon.ts';
import { SignerHealth, startHealthListener } from './health.ts';
import {
  createSignerMetrics,
  instrumentVault,
  policyCounter,
  recordCall,
  recordRpc,
  startMetricsListener,
  witnessMetrics,
} from './metrics.ts';
import { signerService } from './service.ts';
import type { ShareVault } from './vault/index.ts';

export interface RunningSigner {
  readonly daemon: SignerDaemon;
  /** The bound port (useful with `listen: "127.0.0.1:0"`). */
  readonly port: number;
  /** The bound port of the plaintext health listener, when `healthListen` is set. */
  readonly healthPort?: number;
  /** The bound port of the plaintext `/metrics` listener, when `metricsListen` is set. */
  readonly metricsPort?: number;
  close(): Promise<void>;
}

/**
 * Starts a signer's gRPC server (mTLS mandatory) for `config`.
 *
 * @example
 * ```ts
 * const signer = await startSigner({ config, vault, log });
 * // … later
 * await signer.close();
 * ```
 */
export async function startSigner(options: {
  config: SignerConfig;
  vault: ShareVault;
  log: Logger;
  /** Replaces the configured attester (tests: a fake SEV-SNP guest). */
  attester?: Attester;
  /** gRPC server interceptors (metrics, tracing; tests inject faults with one). */
  interceptors?: ServerInterceptor[];
}): Promise<RunningSigner> {
  const { config, log } = options;
  await requireReadableFiles(
    { 'tls.ca': config.tls.ca, 'tls.cert': config.tls.cert, 'tls.key': config.tls.key },
    'signer config',
  );
  const metrics = config.metricsListen
    ? createSignerMetrics({ signer: config.id, vault: options.vault.kind })
    : undefined;
  const daemon = await SignerDaemon.open({
    ...options,
    ...(metrics
      ? {
          vault: instrumentVault(options.vault, metrics),
          onPolicyEvaluation: policyCounter(metrics),
        }
      : {}),
  });
  const health = new SignerHealth();
  const server = new Server({
    // Checkpoint requests carry inclusion proofs of the entries since the signer's last one.
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    interceptors: options.interceptors ?? [],
  });
  server.addService(
    SignerServiceService,
    signerService(daemon, {
      coordinatorName: config.coordinatorName,
      log,
      ...(metrics
        ? {
            onAnswer: (answer) => recordRpc(metrics, answer),
            onCall: (rpc) => recordCall(metrics, rpc),
          }
        : {}),
    }),
  );
  health.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(config.listen, mtlsServerCredentials(config.tls), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const probe = config.healthListen
    ? await startHealthListener(config.healthListen, health)
    : undefined;
  const scrape =
    metrics && config.metricsListen
      ? await startMetricsListener(config.metricsListen, metrics.registry)
      : undefined;
  // A signer refusing every signature (a co-signed token missing from the audit log past the
  // maximum merge delay) is not serving; Info says why.
  daemon.witness.onOverdueChange((overdue) => health.set(overdue ? 'NOT_SERVING' : 'SERVING'));
  if (metrics) witnessMetrics(metrics.registry, daemon.witness);
  health.set(daemon.witness.overdue() > 0 ? 'NOT_SERVING' : 'SERVING');
  log.info(
    { id: config.id, port, healthPort: probe?.port, metricsPort: scrape?.port },
    'signer listening (mTLS)',
  );
  return {
    daemon,
    port,
    ...(probe ? { healthPort: probe.port } : {}),
    ...(scrape ? { metricsPort: scrape.port } : {}),
    close: async () => {
      health.set('NOT_SERVING');
      await probe?.close();
      await scrape?.close();
      // Open preprocessing streams would keep the shutdown waiting: end them first.
      daemon.endStreams();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await daemon.close();
    },
  };
}
