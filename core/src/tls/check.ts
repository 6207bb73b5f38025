import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type ConfigProblem, reason } from '../config-check.ts';

/** RFC 5280 §4.2.1.12 extended key usage purposes. */
const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

/** What a configured TLS identity is checked against. */
export interface TlsIdentityExpectation {
  /** Config field prefix for messages, e.g. `tls` or `https`. */
  readonly field: string;
  readonly cert: string;
  readonly key: string;
  /** CA the certificate must be issued by (mTLS identities). */
  readonly ca?: string;
  /** DNS name the certificate's subjectAltName must match (RFC 6125; wildcards allowed). */
  readonly dnsName?: string;
  /** Where `dnsName` comes from, for the message (e.g. `the issuer URL`). */
  readonly dnsNameSource?: string;
  /** Purpose the certificate is used for (checked when it has an EKU extension). */
  readonly usage?: keyof typeof EKU;
  /** Defaults to now. */
  readonly now?: Date;
}

async function read(path: string, where: string, problems: ConfigProblem[]) {
  try {
    return await readFile(path);
  } catch (cause) {
    problems.push({ where, message: `${path}: ${reason(cause)}` });
    return undefined;
  }
}

function parse<T>(make: () => T, where: string, what: string, problems: ConfigProblem[]) {
  try {
    return make();
  } catch {
    problems.push({ where, message: `not a PEM ${what}` });
    return undefined;
  }
}

/**
 * Every problem of one configured TLS identity: unreadable files, certificate/key that do
 * not parse or do not match, a certificate not issued by the CA, outside its validity
 * period, lacking the expected SAN, or not allowed for its purpose (EKU).
 *
 * @example
 * ```ts
 * await checkTlsIdentity({ field: 'tls', ...config.tls, dnsName: 'signer-1.frostmint.local', usage: 'serverAuth' });
 * // [{where: 'tls.cert', message: 'certificate names DNS:signer-9.frostmint.local, not signer-1.frostmint.local …'}]
 * ```
 */
export async function checkTlsIdentity(expect: TlsIdentityExpectation): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const at = (name: string) => `${expect.field}.${name}`;
  const [certPem, keyPem, caPem] = await Promise.all([
    read(expect.cert, at('cert'), problems),
    read(expect.key, at('key'), problems),
    expect.ca === undefined ? undefined : read(expect.ca, at('ca'), problems),
  ]);
  const cert =
    certPem && parse(() => new X509Certificate(certPem), at('cert'), 'certificate', problems);
  const key = keyPem && parse(() => createPrivateKey(keyPem), at('key'), 'private key', problems);
  const ca = caPem && parse(() => new X509Certificate(caPem), at('ca'), 'certificate', problems);
  if (!cert) return problems;
  if (key && !cert.checkPrivateKey(key)) {
    problems.push({ where: at('key'), message: `does not match the certificate ${expect.cert}` });
  }
  if (ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    problems.push({ where: at('cert'), message: `not issued by the CA in ${expect.ca}` });
  }
  const now = expect.now ?? new Date();
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    problems.push({
      where: at('cert'),
      message: `not valid now (valid ${cert.validFrom} – ${cert.validTo})`,
    });
  }
  if (expect.dnsName !== undefined && cert.checkHost(expect.dnsName) === undefined) {
    problems.push({
      where: at('cert'),
      message: `subjectAltName (${cert.subjectAltName ?? 'none'}) does not name ${expect.dnsName}${
        expect.dnsNameSource ? ` (${expect.dnsNameSource})` : ''
      }`,
    });
  }
  const usages = cert.keyUsage;
  if (expect.usage && usages && !usages.includes(EKU[expect.usage])) {
    problems.push({
      where: at('cert'),
      message: `extended key usage does not allow ${expect.usage}`,
    });
  }
  return problems;
}
