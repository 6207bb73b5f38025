import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { AttestationFormatError } from './errors.ts';

/**
 * What a report's REPORT_DATA commits to: the verifier's fresh nonce, the attester's TLS
 * public key and the policy the attester runs. A report bound this way cannot be replayed
 * (nonce), relayed to another TLS endpoint (key), or reused under another policy (id).
 */
export interface AttestationBinding {
  /** Verifier-chosen, single use, 16–256 bytes. */
  readonly nonce: Uint8Array;
  /** DER SubjectPublicKeyInfo of the attester's TLS key (RFC 5280 §4.1.2.7). */
  readonly tlsSpki: Uint8Array;
  /** The policy id, e.g. `sha256:…` (see `policyId`). */
  readonly policyId: string;
}

/** Domain separator: binds the hash to this purpose and encoding version. */
export const REPORT_DATA_DOMAIN = 'frostmint/attestation/report-data/v1\0';

const invalid = (message: string, cause?: unknown) =>
  new AttestationFormatError('attestation_binding_invalid', message, { cause });

function lengthPrefixed(bytes: Uint8Array): Buffer[] {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return [len, Buffer.from(bytes)];
}

/**
 * The 64-byte REPORT_DATA for `binding`:
 * `SHA-512("frostmint/attestation/report-data/v1\0" ‖ u32be(len(nonce)) ‖ nonce ‖
 * u32be(len(spki)) ‖ spki ‖ u32be(len(id)) ‖ UTF-8(id))`.
 *
 * @throws AttestationFormatError `attestation_binding_invalid` for a short nonce, a key that
 *   is not a DER SPKI, or an empty policy id.
 * @example
 * ```ts
 * const reportData = reportDataFor({ nonce, tlsSpki, policyId: engine.id });
 * ```
 */
export function reportDataFor(binding: AttestationBinding): Uint8Array {
  const { nonce, tlsSpki, policyId } = binding;
  if (nonce.length < 16 || nonce.length > 256) throw invalid('the nonce must be 16–256 bytes');
  if (policyId.length === 0 || policyId.length > 256)
    throw invalid('the policy id must be 1–256 chars');
  try {
    createPublicKey({ key: Buffer.from(tlsSpki), format: 'der', type: 'spki' });
  } catch (cause) {
    throw invalid('the TLS key is not a DER SubjectPublicKeyInfo', cause);
  }
  const h = createHash('sha512').update(REPORT_DATA_DOMAIN);
  for (const part of [nonce, tlsSpki, Buffer.from(policyId, 'utf8')]) {
    for (const chunk of lengthPrefixed(part)) h.update(chunk);
  }
  return new Uint8Array(h.digest());
}

/**
 * The DER SPKI of a TLS key given as a PEM certificate, a PEM public key, or DER SPKI — what
 * an attester binds with `reportDataFor`.
 *
 * @example
 * ```ts
 * const tlsSpki = tlsSpkiFrom(await readFile('/etc/frostmint/tls/signer.pem'));
 * ```
 */
export function tlsSpkiFrom(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  if (text.includes('PRIVATE KEY-----'))
    throw invalid('give the public key or certificate, not the private key');
  try {
    const key = text.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(bytes).publicKey
      : text.includes('-----BEGIN')
        ? createPublicKey(text)
        : createPublicKey({ key: Buffer.from(bytes), format: 'der', type: 'spki' });
    return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
  } catch (cause) {
    throw invalid('not a certificate, a public key, or a DER SubjectPublicKeyInfo', cause);
  }
}
