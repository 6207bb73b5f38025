import { readFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import { certificateSha256, type TranscriptSigner, UnavailableError } from '@frostmint/core';
import type { SignerEndpoint } from '../config.ts';

/**
 * Reads the TLS certificate a signer presents (DER), over a TLS handshake with the
 * coordinator's client identity, accepting only a certificate that chains to the CA and
 * names the endpoint's `tlsName`. A ceremony transcript pins its SHA-256; guardians compare
 * it with what each signer's operator reads off the signer host.
 *
 * @example
 * ```ts
 * const der = await fetchSignerCertificate(config.signers[0], config.tls);
 * const pin = certificateSha256(der);
 * ```
 */
export async function fetchSignerCertificate(
  endpoint: SignerEndpoint,
  tls: { ca: string; cert: string; key: string },
  timeoutMs = 5_000,
): Promise<Buffer> {
  const [ca, cert, key] = await Promise.all([tls.ca, tls.cert, tls.key].map((p) => readFile(p)));
  const at = endpoint.address.lastIndexOf(':');
  const host = endpoint.address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(endpoint.address.slice(at + 1));
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(new UnavailableError('signer_unavailable', `signer ${endpoint.id}: ${why}`));
    const socket = connect({
      host,
      port,
      ca,
      cert,
      key,
      servername: endpoint.tlsName,
      ALPNProtocols: ['h2'],
      checkServerIdentity: (_host, peer) =>
        (peer.subjectaltname ?? '').split(', ').includes(`DNS:${endpoint.tlsName}`)
          ? undefined
          : new Error(`certificate does not name ${endpoint.tlsName}`),
    });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      fail('TLS handshake timed out');
    });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate(false).raw;
      socket.end();
      resolve(Buffer.from(raw));
    });
    socket.once('error', (err) => fail(err.message));
  });
}

/**
 * The transcript entries of `endpoints`: id, TLS name and the SHA-256 of the certificate
 * each presents right now (sorted by id).
 *
 * @example
 * ```ts
 * const signers = await pinSigners(config.signers, config.tls);
 * ```
 */
export async function pinSigners(
  endpoints: readonly SignerEndpoint[],
  tls: { ca: string; cert: string; key: string },
): Promise<TranscriptSigner[]> {
  const sorted = [...endpoints].sort((a, b) => a.id - b.id);
  const certificates = await Promise.all(sorted.map((e) => fetchSignerCertificate(e, tls)));
  return sorted.map((e, i) => ({
    id: e.id,
    tlsName: e.tlsName,
    certificateSha256: certificateSha256(certificates[i]!),
  }));
}
