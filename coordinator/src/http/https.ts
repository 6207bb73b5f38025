import { readFile } from 'node:fs/promises';
import type { Server as TlsServer } from 'node:tls';
import { requireReadableFiles, TLS_RELOAD_INTERVAL_MS } from '@frostmint/core';
import type { Logger } from 'pino';
import { z } from 'zod';

/** The `https` section of the coordinator config: the listener's certificate chain and key. */
export const HttpsFilesSchema = z
  .object({
    /** PEM certificate chain; its subjectAltName must name the issuer's host. */
    cert: z.string().min(1),
    /** PEM private key of `cert`. */
    key: z.string().min(1),
    /** How often both files are re-read, milliseconds (default 10 000). */
    reloadIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .strict();
export type HttpsFiles = z.infer<typeof HttpsFilesSchema>;

/** Certificate chain and key, as Node's `tls.createSecureContext` takes them. */
export interface HttpsIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
}

const readIdentity = async (files: HttpsFiles): Promise<HttpsIdentity> => {
  const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  return { cert, key };
};

/**
 * Reads the HTTPS listener's certificate and key, failing fast with `config_invalid`
 * (naming the field, the path and the reason) when either cannot be read.
 *
 * @example
 * ```ts
 * const identity = await loadHttpsIdentity({ cert: '/etc/frostmint/tls/https.pem', key: '/etc/frostmint/tls/https-key.pem' });
 * ```
 */
export async function loadHttpsIdentity(files: HttpsFiles): Promise<HttpsIdentity> {
  await requireReadableFiles(
    { 'https.cert': files.cert, 'https.key': files.key },
    'coordinator config',
  );
  return readIdentity(files);
}

/**
 * Re-reads the certificate and key every `files.reloadIntervalMs` and swaps them into the
 * running listener when they changed (a renewed certificate needs no restart). A pair that
 * does not load (e.g. caught between writing the cert and the key) keeps the previous one
 * until the next read. Returns the function that stops watching.
 *
 * @example
 * ```ts
 * const stop = reloadHttpsIdentity(app.server as tls.Server, config.https, identity, log);
 * ```
 */
export function reloadHttpsIdentity(
  server: TlsServer,
  files: HttpsFiles,
  initial: HttpsIdentity,
  log: Logger,
): () => void {
  let current = initial;
  const timer = setInterval(() => {
    readIdentity(files).then(
      (next) => {
        if (next.cert.equals(current.cert) && next.key.equals(current.key)) return;
        try {
          server.setSecureContext({ cert: next.cert, key: next.key });
          current = next;
          log.info({ cert: files.cert }, 'HTTPS certificate reloaded');
        } catch (err) {
          log.warn({ cert: files.cert, err: String(err) }, 'HTTPS certificate not reloaded');
        }
      },
      (err: unknown) =>
        log.warn({ cert: files.cert, err: String(err) }, 'HTTPS certificate unreadable'),
    );
  }, files.reloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
