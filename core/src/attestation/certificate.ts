import 'reflect-metadata';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AttestationFormatError } from './errors.ts';

/**
 * One certificate of the AMD chain, parsed twice from the same DER: node:crypto (OpenSSL)
 * verifies signatures, @peculiar/x509 exposes extensions and validity dates.
 */
export interface AmdCertificate {
  readonly der: Uint8Array;
  readonly node: NodeCertificate;
  readonly parsed: x509.X509Certificate;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Parses one certificate given as DER or PEM.
 *
 * @throws AttestationFormatError `attestation_certificate_invalid`.
 * @example
 * ```ts
 * const vcek = parseCertificate(await readFile('vcek.der'));
 * vcek.parsed.subject; // 'CN=SEV-VCEK, …'
 * ```
 */
export function parseCertificate(bytes: Uint8Array): AmdCertificate {
  const pem = Buffer.from(bytes).toString('latin1');
  const blocks = pem.match(PEM_BLOCK);
  if (blocks && blocks.length !== 1) {
    throw new AttestationFormatError(
      'attestation_certificate_invalid',
      `expected one PEM certificate, found ${blocks.length}`,
    );
  }
  const der = blocks ? new Uint8Array(x509.PemConverter.decodeFirst(blocks[0] as string)) : bytes;
  try {
    return { der, node: new NodeCertificate(der), parsed: new x509.X509Certificate(der) };
  } catch (cause) {
    throw new AttestationFormatError(
      'attestation_certificate_invalid',
      'not an X.509 certificate (DER or PEM)',
      { cause },
    );
  }
}

/**
 * Parses every certificate of a PEM bundle, in order.
 *
 * @example
 * ```ts
 * const [ask, ark] = parsePemBundle(await readFile('cert_chain.pem', 'utf8'));
 * ```
 */
export function parsePemBundle(pem: string): AmdCertificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) => parseCertificate(Buffer.from(block)));
}
