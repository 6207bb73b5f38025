import {
  type ChannelCredentials,
  credentials,
  makeClientConstructor,
  Server,
  ServerCredentials,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import {
  HealthImplementation,
  service as healthService,
  type ServingStatus,
} from 'grpc-health-check';

export type { ServingStatus } from 'grpc-health-check';

/**
 * The signer's `grpc.health.v1.Health` service (the gRPC health checking protocol that
 * Kubernetes gRPC probes speak): `NOT_SERVING` until the daemon has opened its state and
 * bound its mTLS listener, `SERVING` then, `NOT_SERVING` again from the start of shutdown.
 * The overall status is the empty service name, as the protocol defines.
 *
 * @example
 * ```ts
 * const health = new SignerHealth();
 * health.addTo(server);
 * health.set('SERVING');
 * ```
 */
export class SignerHealth {
  readonly #impl = new HealthImplementation({ '': 'NOT_SERVING' });

  /** Adds the Health service to a gRPC server (before it starts). */
  addTo(server: Server): void {
    this.#impl.addToServer(server);
  }

  set(status: ServingStatus): void {
    this.#impl.setStatus('', status);
  }
}

/**
 * Starts a plaintext gRPC server on `address` that serves only the Health service (probes
 * cannot present a client certificate; it reveals nothing but the serving status).
 *
 * @example
 * ```ts
 * const probe = await startHealthListener('0.0.0.0:7002', health);
 * await probe.close();
 * ```
 */
export async function startHealthListener(
  address: string,
  health: SignerHealth,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new Server();
  health.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

const HealthClient = makeClientConstructor(
  healthService as unknown as ServiceDefinition,
  'grpc.health.v1.Health',
);

/**
 * Asks a gRPC server for its overall health (`grpc.health.v1.Health/Check`, service `""`).
 * Plaintext unless `channel` credentials are given (the mTLS listener needs them).
 *
 * @example
 * ```ts
 * await grpcHealthCheck('127.0.0.1:7002'); // 'SERVING'
 * ```
 */
export function grpcHealthCheck(
  address: string,
  options: { channel?: ChannelCredentials; deadlineMs?: number } = {},
): Promise<ServingStatus> {
  const client = new HealthClient(address, options.channel ?? credentials.createInsecure());
  const deadline = Date.now() + (options.deadlineMs ?? 2_000);
  return new Promise<ServingStatus>((resolve, reject) => {
    client.Check!(
      { service: '' },
      { deadline },
      (err: Error | null, response?: { status: ServingStatus }) => {
        client.close();
        if (err || !response) reject(err ?? new Error('empty health response'));
        else resolve(response.status);
      },
    );
  });
}
