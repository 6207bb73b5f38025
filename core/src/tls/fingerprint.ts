import { createHash, X509Certificate } from 'node:crypto';
import { InvalidRequestError } from '../errors.ts';

/**
 * SHA-256 of a certificate's DER encoding, lowercase hex: the fingerprint ceremony
 * transcripts pin (`openssl x509 -noout -fingerprint -sha256` prints the same bytes).
 *
 * @example
 * ```ts
 * certificateSha256(await readFile('signer-1.pem', 'utf8')); // '3f1c…'
 * ```
 */
export function certificateSha256(pem: string | Uint8Array): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (cause) {
    throw new InvalidRequestError('certificate_invalid', 'not a PEM or DER certificate', { cause });
  }
  return createHash('sha256').update(cert.raw).digest('hex');
}
