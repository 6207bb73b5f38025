import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** Paths of one mTLS identity: certificate chain and private key (PEM). */
export interface TlsIdentityFiles {
  readonly cert: string;
  readonly key: string;
}

/** The files of a local development PKI: one CA, a coordinator client and N signers. */
export interface DevPki {
  readonly ca: string;
  readonly coordinator: TlsIdentityFiles;
  readonly signers: readonly TlsIdentityFiles[];
}

/** Name a signer's certificate carries (DNS SAN); the coordinator checks it per connection. */
export const signerTlsName = (id: number): string => `signer-${id}.frostmint.local`;
/** Name the coordinator's client certificate carries. */
export const COORDINATOR_TLS_NAME = 'coordinator.frostmint.local';

/**
 * Creates (or reuses) a local CA and mTLS certificates for the dev stack in `dir`.
 * Development only: production certificates come from the operator's PKI as PEM files.
 *
 * @example
 * ```ts
 * const pki = await ensureDevPki('.frostmint/dev/pki', 3);
 * // pki.signers[0].cert, pki.coordinator.key, pki.ca …
 * ```
 */
export async function ensureDevPki(dir: string, signerCount: number): Promise<DevPki> {
  const layout: DevPki = {
    ca: join(dir, 'ca.pem'),
    coordinator: { cert: join(dir, 'coordinator.pem'), key: join(dir, 'coordinator-key.pem') },
    signers: Array.from({ length: signerCount }, (_, i) => ({
      cert: join(dir, `signer-${i + 1}.pem`),
      key: join(dir, `signer-${i + 1}-key.pem`),
    })),
  };
  if (await exists(layout.ca)) return layout;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa();
  await writeFile(layout.ca, ca.cert.toString('pem'));
  const caKey = await webcrypto.subtle.exportKey('pkcs8', ca.keys.privateKey);
  await writeFile(caKeyPath(dir), x509.PemConverter.encode(caKey, 'PRIVATE KEY'), { mode: 0o600 });
  await issueTo(layout.coordinator, ca, COORDINATOR_TLS_NAME, 'clientAuth');
  for (const [i, files] of layout.signers.entries()) {
    await issueTo(files, ca, signerTlsName(i + 1), 'serverAuth');
  }
  return layout;
}

/**
 * Issues a NEW TLS identity for signer `id` from the dev CA in `dir` (a replacement signer:
 * same id, new key), written to `files`. Development and tests only.
 *
 * @example
 * ```ts
 * await issueDevSignerIdentity('.frostmint/dev/pki', 1, { cert: 'new-1.pem', key: 'new-1-key.pem' });
 * ```
 */
export function issueDevSignerIdentity(
  dir: string,
  id: number,
  files: TlsIdentityFiles,
): Promise<void> {
  return issueDevServerIdentity(dir, signerTlsName(id), files);
}

/**
 * Issues a server TLS identity for `dnsName` (and 127.0.0.1) from the dev CA in `dir`,
 * written to `files`: e.g. the coordinator's HTTPS certificate. Development and tests only.
 *
 * @example
 * ```ts
 * await issueDevServerIdentity('.frostmint/dev/pki', 'mint.example.com', { cert: 'https.pem', key: 'https-key.pem' });
 * ```
 */
export async function issueDevServerIdentity(
  dir: string,
  dnsName: string,
  files: TlsIdentityFiles,
): Promise<void> {
  const [certPem, keyPem] = await Promise.all([
    readFile(join(dir, 'ca.pem'), 'utf8'),
    readFile(caKeyPath(dir), 'utf8'),
  ]);
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    EC,
    false,
    ['sign'],
  );
  const cert = new x509.X509Certificate(certPem);
  await issueTo(files, { cert, keys: { privateKey } }, dnsName, 'serverAuth');
}

const caKeyPath = (dir: string) => join(dir, 'ca-key.pem');

interface Ca {
  cert: x509.X509Certificate;
  keys: Pick<webcrypto.CryptoKeyPair, 'privateKey'>;
}

async function createCa(): Promise<Ca & { keys: webcrypto.CryptoKeyPair }> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=frostmint dev CA',
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 365 * DAY_MS),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return { cert, keys };
}

async function issueTo(
  files: TlsIdentityFiles,
  ca: Ca,
  name: string,
  usage: 'clientAuth' | 'serverAuth',
) {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const eku =
    usage === 'serverAuth'
      ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
      : [x509.ExtendedKeyUsage.clientAuth];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 90 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(eku),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: name },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  await writeFile(files.key, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), { mode: 0o600 });
  await writeFile(files.cert, cert.toString('pem'));
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}
