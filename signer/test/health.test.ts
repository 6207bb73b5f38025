import {
  credentials,
  status as GrpcStatus,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
} from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { grpcHealthCheck, SignerHealth, startHealthListener } from '../src/health.ts';

describe('grpc.health.v1 on the signer', () => {
  const health = new SignerHealth();
  let listener: Awaited<ReturnType<typeof startHealthListener>>;

  afterAll(async () => listener?.close());

  it('answers NOT_SERVING until the daemon is up, then SERVING, then NOT_SERVING at shutdown', async () => {
    listener = await startHealthListener('127.0.0.1:0', health);
    const address = `127.0.0.1:${listener.port}`;
    expect(await grpcHealthCheck(address)).toBe('NOT_SERVING');
    health.set('SERVING');
    expect(await grpcHealthCheck(address)).toBe('SERVING');
    health.set('NOT_SERVING');
    expect(await grpcHealthCheck(address)).toBe('NOT_SERVING');
  });

  it('the plaintext health listener serves nothing but Health', async () => {
    const signerMethod = '/frostmint.signer.v1.SignerService/Info';
    const Client = makeGenericClientConstructor({}, 'Probe');
    const client = new Client(`127.0.0.1:${listener.port}`, credentials.createInsecure());
    const code = await new Promise<number | undefined>((resolve) =>
      client.makeUnaryRequest(
        signerMethod,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (err) => resolve(err?.code),
      ),
    );
    client.close();
    expect(code).toBe(GrpcStatus.UNIMPLEMENTED);
  });

  it('a server without the health service is not mistaken for a healthy one', async () => {
    const server = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    await expect(grpcHealthCheck(`127.0.0.1:${port}`)).rejects.toMatchObject({
      code: GrpcStatus.UNIMPLEMENTED,
    });
    server.forceShutdown();
  });
});
