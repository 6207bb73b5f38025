import { createHash, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { certificateSha256, ForbiddenError, signerTlsName } from '@frostmint/core';
import type { DkgAnnouncement, DkgParams } from '@frostmint/proto';

/** What the announcement signature covers. */
type AnnouncementBody = Omit<DkgAnnouncement, 'signature' | 'certificatePem' | 'attestation'>;

/**
 * DKG announcements are signed with the sending signer's TLS key, and checked against its
 * certificate, which must chain to the CA every signer trusts and name that signer. So a
 * relaying coordinator can neither read round-two packages (they are sealed to the
 * announced HPKE key) nor swap in its own key (it has no certificate naming a signer).
 * The attestation evidence is not signed: its REPORT_DATA already binds the session id and
 * the certificate's key (docs/attestation.md, "DKG peers").
 */
function transcript(params: DkgParams, a: AnnouncementBody): Buffer {
  const h = createHash('sha256');
  h.update('frostmint/dkg-announcement/v1\0');
  h.update(lengthPrefixed(params.sessionId));
  h.update(Buffer.from([params.threshold, ...params.participants]));
  h.update(Buffer.from([a.signerId]));
  h.update(lengthPrefixed(a.round1));
  h.update(lengthPrefixed(a.envelopePublicKey));
  return h.digest();
}

function lengthPrefixed(b: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/**
 * Signs this signer's announcement with its TLS private key.
 *
 * @example
 * ```ts
 * const announcement = signAnnouncement(params, { signerId, round1, envelopePublicKey }, tlsKeyPem, tlsCertPem);
 * ```
 */
export function signAnnouncement(
  params: DkgParams,
  body: AnnouncementBody,
  keyPem: string,
  certificatePem: string,
): Omit<DkgAnnouncement, 'attestation'> {
  const signature = sign('sha256', transcript(params, body), keyPem);
  return { ...body, certificatePem, signature };
}

/**
 * Verifies another signer's announcement: certificate chains to `caPem`, is valid now,
 * names the announced signer, is the one the ceremony transcript pins (`pinnedSha256`), and
 * signed the transcript. Throws `dkg_announcement_invalid`.
 *
 * @example
 * ```ts
 * verifyAnnouncement(params, announcement, caPem, transcriptSigner.certificateSha256);
 * ```
 */
export function verifyAnnouncement(
  params: DkgParams,
  a: DkgAnnouncement,
  caPem: string,
  pinnedSha256: string,
  now = new Date(),
): void {
  const fail = (why: string) =>
    new ForbiddenError('dkg_announcement_invalid', `announcement of signer ${a.signerId}: ${why}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(a.certificatePem);
  } catch {
    throw fail('certificate is not PEM');
  }
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw fail('certificate does not chain to the CA');
  if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now)
    throw fail('certificate is not valid now');
  if (!cert.checkHost(signerTlsName(a.signerId)))
    throw fail(`certificate does not name ${signerTlsName(a.signerId)}`);
  if (certificateSha256(a.certificatePem) !== pinnedSha256)
    throw fail('certificate is not the one the ceremony transcript pins');
  const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
  if (!verify('sha256', transcript(params, a), key, a.signature))
    throw fail('signature does not verify');
}
