import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Server } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevPki, ensureDevPki, mtlsServerCredentials } from '../../src/index.ts';

/** The certificate a TLS server presents, as seen by a client holding `client` credentials. */
function presentedFingerprint(port: number, pki: DevPki): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: '127.0.0.1',
        port,
        ca: readFileSync(pki.ca),
        cert: readFileSync(pki.coordinator.cert),
        key: readFileSync(pki.coordinator.key),
        ALPNProtocols: ['h2'],
        checkServerIdentity: () => undefined,
      },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.once('error', reject);
  });
}

/** Retries while the server's certificate provider has not loaded the files yet. */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 30) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('mTLS credentials from PEM files', () => {
  let dir: string;
  let pki: DevPki;
  let server: Server;
  let port: number;
  const live = { cert: '', key: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frostmint-tls-'));
    pki = await ensureDevPki(join(dir, 'pki'), 2);
    live.cert = join(dir, 'live.pem');
    live.key = join(dir, 'live-key.pem');
    await copyFile(pki.signers[0]!.cert, live.cert);
    await copyFile(pki.signers[0]!.key, live.key);
    server = new Server();
    const creds = mtlsServerCredentials({ ca: pki.ca, ...live, reloadIntervalMs: 200 });
    port = await new Promise((res, rej) =>
      server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? rej(e) : res(p))),
    );
  });
  afterAll(async () => {
    server?.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('picks up a rotated certificate without a restart', async () => {
    const before = await eventually(() => presentedFingerprint(port, pki));
    await copyFile(pki.signers[1]!.cert, live.cert);
    await copyFile(pki.signers[1]!.key, live.key);
    let after = before;
    for (let i = 0; i < 40 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await eventually(() => presentedFingerprint(port, pki));
    }
    expect(after).not.toBe(before);
  });

  it('refuses a client without a certificate', async () => {
    const attempt = new Promise<void>((resolve, reject) => {
      const socket = connect(
        {
          host: '127.0.0.1',
          port,
          ca: readFileSync(pki.ca),
          ALPNProtocols: ['h2'],
          checkServerIdentity: () => undefined,
        },
        () => {
          socket.once('data', () => reject(new Error('server spoke to an unauthenticated client')));
          socket.once('close', () => resolve());
          socket.once('error', () => resolve());
          socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
        },
      );
      socket.once('error', () => resolve());
    });
    await expect(attempt).resolves.toBeUndefined();
  });
});
