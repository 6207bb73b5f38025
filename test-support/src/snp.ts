/**
 * A stand-in for AMD's PKI and an SEV-SNP guest: an RSA-PSS ARK and ASK, P-384 VCEKs with
 * AMD's TCB and hwID extensions, and signed ATTESTATION_REPORTs. The report layout is
 * written here independently of the parser (offsets from the ABI spec, Table 22).
 */
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { type Product, type TrustAnchor, trustAnchor } from '@frostmint/core';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
/** What @peculiar/x509 accepts as a certificate signing algorithm. */
export type SigningAlgorithm = Parameters<
  typeof x509.X509CertificateGenerator.create
>[0]['signingAlgorithm'];

const subtle = webcrypto.subtle;
const DAY = 86_400_000;
const PSS = { name: 'RSA-PSS', saltLength: 48 } as SigningAlgorithm;
const RSA = { publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048, hash: 'SHA-384' };

export const TCB_MILAN = 0xdb18000000000004n; // bl 4, tee 0, snp 24, ucode 219
export const TCB_TURIN = 0x5400000004030201n; // fmc 1, bl 2, tee 3, snp 4, ucode 0x54

/** The SPL extension values (arc → value) that certify `tcb` on `product`. */
export function splsFor(tcb: bigint, product: Product): Map<number, number> {
  const byte = (i: number) => Number((tcb >> BigInt(8 * i)) & 0xffn);
  return product === 'Turin'
    ? new Map([
        [9, byte(0)],
        [1, byte(1)],
        [2, byte(2)],
        [3, byte(3)],
        [8, byte(7)],
      ])
    : new Map([
        [1, byte(0)],
        [2, byte(1)],
        [4, 0],
        [5, 0],
        [6, 0],
        [7, 0],
        [3, byte(6)],
        [8, byte(7)],
      ]);
}

const derInt = (v: number) => new Uint8Array(v < 0x80 ? [2, 1, v] : [2, 2, 0, v]);
const ia5 = (s: string) => new Uint8Array([0x16, s.length, ...Buffer.from(s, 'latin1')]);

export interface VcekOptions {
  productName?: string;
  spls?: Map<number, number>;
  hwid?: Uint8Array;
  notBefore?: Date;
  notAfter?: Date;
  /** Who signs (default the chain's ASK) and how. */
  issuer?: { name: string; key: CryptoKey; algorithm?: SigningAlgorithm };
  publicKey?: CryptoKey;
}

export interface TestChain {
  readonly product: Product;
  readonly anchor: TrustAnchor;
  readonly ark: x509.X509Certificate;
  readonly ask: x509.X509Certificate;
  readonly arkKeys: CryptoKeyPair;
  readonly askKeys: CryptoKeyPair;
  readonly vcekKeys: CryptoKeyPair;
  readonly chipId: Uint8Array;
  readonly tcb: bigint;
  /** The VCEK for `chipId` at `tcb`, DER. */
  readonly vcek: Uint8Array;
  issueVcek(options?: VcekOptions): Promise<Uint8Array>;
}

export const rsaPssKeys = () =>
  subtle.generateKey({ name: 'RSA-PSS', ...RSA }, true, [
    'sign',
    'verify',
  ]) as Promise<CryptoKeyPair>;

/** A self-signed ARK and an ASK it signs, RSASSA-PSS/SHA-384, like AMD's. */
export async function createCa(
  product: Product,
  arkKeys: CryptoKeyPair,
  askKeys: CryptoKeyPair,
  notAfter?: Date,
) {
  const validity = {
    notBefore: new Date(Date.now() - DAY),
    notAfter: notAfter ?? new Date(Date.now() + 3650 * DAY),
  };
  const caExtensions = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
  const ark = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=ARK-${product}, O=frostmint test`,
    keys: arkKeys,
    signingAlgorithm: PSS,
    extensions: caExtensions,
    ...validity,
  });
  const ask = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=SEV-${product}, O=frostmint test`,
    issuer: ark.subject,
    publicKey: askKeys.publicKey,
    signingKey: arkKeys.privateKey,
    signingAlgorithm: PSS,
    extensions: caExtensions,
    ...validity,
  });
  return { ark, ask };
}

/** A fresh test PKI for `product` and one chip. */
export async function createTestChain(product: Product = 'Milan'): Promise<TestChain> {
  const [arkKeys, askKeys, vcekKeys] = await Promise.all([
    rsaPssKeys(),
    rsaPssKeys(),
    subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ]) as Promise<CryptoKeyPair>,
  ]);
  const { ark, ask } = await createCa(product, arkKeys, askKeys);
  const chipId = new Uint8Array(64);
  chipId.set(randomBytes(product === 'Turin' ? 8 : 64));
  const tcb = product === 'Turin' ? TCB_TURIN : TCB_MILAN;
  const issueVcek = async (o: VcekOptions = {}) => {
    const spls = o.spls ?? splsFor(tcb, product);
    const extensions = [
      new x509.Extension('1.3.6.1.4.1.3704.1.1', false, derInt(1)),
      new x509.Extension('1.3.6.1.4.1.3704.1.2', false, ia5(o.productName ?? `${product}-B0`)),
      ...[...spls].map(
        ([arc, v]) => new x509.Extension(`1.3.6.1.4.1.3704.1.3.${arc}`, false, derInt(v)),
      ),
      new x509.Extension(
        '1.3.6.1.4.1.3704.1.4',
        false,
        o.hwid ?? chipId.subarray(0, product === 'Turin' ? 8 : 64),
      ),
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '03',
      subject: 'CN=SEV-VCEK, O=frostmint test',
      issuer: o.issuer?.name ?? ask.subject,
      publicKey: o.publicKey ?? vcekKeys.publicKey,
      signingKey: o.issuer?.key ?? askKeys.privateKey,
      signingAlgorithm: o.issuer?.algorithm ?? PSS,
      notBefore: o.notBefore ?? new Date(Date.now() - DAY),
      notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
      extensions,
    });
    return new Uint8Array(cert.rawData);
  };
  const anchor = trustAnchor(product, ark.toString('pem'), ask.toString('pem'));
  const vcek = await issueVcek();
  return { product, anchor, ark, ask, arkKeys, askKeys, vcekKeys, chipId, tcb, vcek, issueVcek };
}

export interface ReportFields {
  version: number;
  guestSvn: number;
  policy: bigint;
  familyId: Uint8Array;
  imageId: Uint8Array;
  vmpl: number;
  currentTcb: bigint;
  platformInfo: bigint;
  keyInfo: number;
  reportData: Uint8Array;
  measurement: Uint8Array;
  hostData: Uint8Array;
  idKeyDigest: Uint8Array;
  authorKeyDigest: Uint8Array;
  reportId: Uint8Array;
  reportIdMa: Uint8Array;
  reportedTcb: bigint;
  /** CPUID family, model, stepping (version 3). */
  cpuid: [number, number, number] | null;
  chipId: Uint8Array;
  committedTcb: bigint;
  /** major, minor, build */
  currentVersion: [number, number, number];
  committedVersion: [number, number, number];
  launchTcb: bigint;
}

export const MEASUREMENT = new Uint8Array(48).fill(0xab);
const CPUID: Record<Product, [number, number, number]> = {
  Milan: [0x19, 0x01, 0x01],
  Genoa: [0x19, 0x11, 0x01],
  Turin: [0x1a, 0x02, 0x00],
};

/** An unsigned report for `chain`'s chip and TCB, with `fields` overriding the defaults. */
export function buildReport(chain: TestChain, fields: Partial<ReportFields> = {}): Uint8Array {
  const f: ReportFields = {
    version: 3,
    guestSvn: 1,
    policy: 0x30000n, // SMT allowed, reserved bit 17 set
    familyId: new Uint8Array(16).fill(1),
    imageId: new Uint8Array(16).fill(2),
    vmpl: 0,
    currentTcb: chain.tcb,
    platformInfo: 0x3n,
    keyInfo: 0,
    reportData: new Uint8Array(64),
    measurement: MEASUREMENT,
    hostData: new Uint8Array(32).fill(3),
    idKeyDigest: new Uint8Array(48).fill(4),
    authorKeyDigest: new Uint8Array(48),
    reportId: new Uint8Array(32).fill(5),
    reportIdMa: new Uint8Array(32).fill(0xff),
    reportedTcb: chain.tcb,
    cpuid: CPUID[chain.product],
    chipId: chain.chipId,
    committedTcb: chain.tcb,
    currentVersion: [1, 55, 21],
    committedVersion: [1, 55, 21],
    launchTcb: chain.tcb,
    ...fields,
  };
  const b = Buffer.alloc(0x4a0);
  b.writeUInt32LE(f.version, 0x00);
  b.writeUInt32LE(f.guestSvn, 0x04);
  b.writeBigUInt64LE(f.policy, 0x08);
  b.set(f.familyId, 0x10);
  b.set(f.imageId, 0x20);
  b.writeUInt32LE(f.vmpl, 0x30);
  b.writeUInt32LE(1, 0x34); // SIGNATURE_ALGO: ECDSA P-384 with SHA-384
  b.writeBigUInt64LE(f.currentTcb, 0x38);
  b.writeBigUInt64LE(f.platformInfo, 0x40);
  b.writeUInt32LE(f.keyInfo, 0x48);
  b.set(f.reportData, 0x50);
  b.set(f.measurement, 0x90);
  b.set(f.hostData, 0xc0);
  b.set(f.idKeyDigest, 0xe0);
  b.set(f.authorKeyDigest, 0x110);
  b.set(f.reportId, 0x140);
  b.set(f.reportIdMa, 0x160);
  b.writeBigUInt64LE(f.reportedTcb, 0x180);
  if (f.cpuid) b.set(f.cpuid, 0x188);
  b.set(f.chipId, 0x1a0);
  b.writeBigUInt64LE(f.committedTcb, 0x1e0);
  b.set([...f.currentVersion].reverse(), 0x1e8); // build, minor, major
  b.set([...f.committedVersion].reverse(), 0x1ec);
  b.writeBigUInt64LE(f.launchTcb, 0x1f0);
  return new Uint8Array(b);
}

/** Signs bytes 0–0x29F with `key` (ECDSA P-384/SHA-384), R and S little-endian in 72 bytes. */
export async function signReport(report: Uint8Array, key: CryptoKey): Promise<Uint8Array> {
  const sig = new Uint8Array(
    await subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, key, report.subarray(0, 0x2a0)),
  );
  const out = new Uint8Array(report);
  out.set(sig.subarray(0, 48).reverse(), 0x2a0);
  out.set(sig.subarray(48, 96).reverse(), 0x2a0 + 0x48);
  return out;
}

/** A signed report from `chain`'s VCEK key. */
export function signedReport(
  chain: TestChain,
  fields: Partial<ReportFields> = {},
): Promise<Uint8Array> {
  return signReport(buildReport(chain, fields), chain.vcekKeys.privateKey);
}

/** A certificate table (GHCB GUID table) holding `entries`. */
export function certTable(entries: [string, Uint8Array][]): Uint8Array {
  const header = (entries.length + 1) * 24;
  const total = header + entries.reduce((n, [, c]) => n + c.length, 0);
  const b = Buffer.alloc(total);
  let at = header;
  entries.forEach(([guid, cert], i) => {
    b.set(Buffer.from(guid.replaceAll('-', ''), 'hex'), i * 24);
    b.writeUInt32LE(at, i * 24 + 16);
    b.writeUInt32LE(cert.length, i * 24 + 20);
    b.set(cert, at);
    at += cert.length;
  });
  return new Uint8Array(b);
}
