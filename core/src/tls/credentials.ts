import { X509Certificate } from 'node:crypto';
import { type ChannelCredentials, experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { TlsIdentityFiles } from './dev-pki.ts';

/** Default interval at which PEM files are re-read: a rotated certificate needs no restart. */
export const TLS_RELOAD_INTERVAL_MS = 10_000;

/** mTLS material from PEM files: the CA that peers must chain to, and our own identity. */
export interface MtlsFiles extends TlsIdentityFiles {
  readonly ca: string;
  /** How often the files are re-read (default `TLS_RELOAD_INTERVAL_MS`). */
  readonly reloadIntervalMs?: number;
}

/** One watcher for all three files, serving both the CA and the identity. */
function provider(files: MtlsFiles) {
  return new experimental.FileWatcherCertificateProvider({
    certificateFile: files.cert,
    privateKeyFile: files.key,
    caCertificateFile: files.ca,
    refreshIntervalMs: files.reloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS,
  });
}

/**
 * Server credentials that require a client certificate chaining to `files.ca` and reload
 * all three PEM files when they change.
 *
 * @example
 * ```ts
 * server.bindAsync('127.0.0.1:7001', mtlsServerCredentials(files), cb);
 * ```
 */
export function mtlsServerCredentials(files: MtlsFiles): ServerCredentials {
  const watcher = provider(files);
  return experimental.createCertificateProviderServerCredentials(watcher, watcher, true);
}

/**
 * Channel credentials presenting our client certificate and accepting only a server whose
 * certificate chains to `files.ca` and names `expectedServerName` (checked on every connect).
 *
 * @example
 * ```ts
 * const client = new SignerServiceClient('127.0.0.1:7001', mtlsChannelCredentials(files, 'signer-1.frostmint.local'));
 * ```
 */
export function mtlsChannelCredentials(
  files: MtlsFiles,
  expectedServerName: string,
): ChannelCredentials {
  const watcher = provider(files);
  return experimental.createCertificateProviderChannelCredentials(watcher, watcher, {
    checkServerIdentity: (_host, cert) => {
      const names = (cert.subjectaltname ?? '').split(', ');
      return names.includes(`DNS:${expectedServerName}`)
        ? undefined
        : new Error(`signer certificate does not name ${expectedServerName}`);
    },
  });
}

/** DNS names in the SAN of a PEM or DER certificate. */
export function certificateDnsNames(cert: string | Buffer): string[] {
  const parsed = new X509Certificate(cert);
  return (parsed.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4));
}
