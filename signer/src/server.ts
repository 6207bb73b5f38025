import { type Attester, mtlsServerCredentials } from '@frostmint/core';
import { SignerServiceService } from '@frostmint/proto';
import { Server, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SignerConfig } from './config.ts';
import { SignerDaemon } from './daemon.ts';
import { signerService } from './service.ts';
import type { ShareVault } from './vault/index.ts';

export interface RunningSigner {
  readonly daemon: SignerDaemon;
  /** The bound port (useful with `listen: "127.0.0.1:0"`). */
  readonly port: number;
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
  const daemon = await SignerDaemon.open(options);
  const server = new Server({
    'grpc.max_receive_message_length': 256 * 1024,
    interceptors: options.interceptors ?? [],
  });
  server.addService(
    SignerServiceService,
    signerService(daemon, { coordinatorName: config.coordinatorName, log }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(config.listen, mtlsServerCredentials(config.tls), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  log.info({ id: config.id, port }, 'signer listening (mTLS)');
  return {
    daemon,
    port,
    close: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await daemon.close();
    },
  };
}
