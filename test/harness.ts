import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevStack, type DevStackOptions, startDevStack } from '@frostmint/cli';
import { fromServiceError, mtlsChannelCredentials, signerTlsName } from '@frostmint/core';
import { SignerServiceClient } from '@frostmint/proto';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { pino } from 'pino';

/** A real local stack (separate processes, mTLS, DKG) in a fresh temp directory. */
export async function startTestStack(
  layout?: DevStackOptions['layout'],
  idp?: DevStackOptions['idp'],
): Promise<DevStack & { dispose(): Promise<void> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'frostmint-test-'));
  const stack = await startDevStack({
    stateDir,
    log: pino({ level: 'silent' }),
    ...(layout ? { layout } : {}),
    ...(idp ? { idp } : {}),
  });
  return Object.assign(stack, {
    dispose: async () => {
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  });
}

export interface MintAnswer {
  status: number;
  body: {
    token?: string;
    error?: string;
    message?: string;
    jti?: string;
    expires_in?: number;
    expires_at?: number;
    token_type?: string;
  };
}

/** A stack started by {@link startTestStack}. */
export type RunningStack = Awaited<ReturnType<typeof startTestStack>>;

/** `POST /v1/mint` with the stack's dev bearer credential. */
export async function mint(
  stack: DevStack,
  body: unknown,
  bearer = stack.layout.bearer,
): Promise<MintAnswer> {
  const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as MintAnswer['body'] };
}

/**
 * A hand-driven gRPC client to one signer, holding a valid client certificate: by default
 * the coordinator's (a rogue coordinator), or any identity from the dev PKI.
 */
export function rogueClient(
  stack: Pick<DevStack, 'layout'>,
  signerId: number,
  identity = stack.layout.pki.coordinator,
) {
  const signer = stack.layout.signers[signerId - 1]!;
  const client = new SignerServiceClient(
    signer.listen,
    mtlsChannelCredentials({ ca: stack.layout.pki.ca, ...identity }, signerTlsName(signerId)),
    { 'grpc.ssl_target_name_override': signerTlsName(signerId) },
  );
  const call = <Req, Res>(rpc: string, req: Req): Promise<Res> =>
    new Promise((resolve, reject) => {
      type Unary = (
        req: Req,
        md: Metadata,
        opts: object,
        cb: (err: ServiceError | null, res: Res) => void,
      ) => void;
      const fn = (client as unknown as Record<string, Unary>)[rpc]!.bind(client);
      fn(
        req,
        new Metadata(),
        { deadline: Date.now() + 5_000 },
        (err: ServiceError | null, res: Res) =>
          err ? reject(fromServiceError(err, `signer ${signerId}`)) : resolve(res),
      );
    });
  return { call, close: () => client.close() };
}
