import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type CryptoKeyPair, rsaPssKeys, type SigningAlgorithm } from '@frostmint/test-support/snp';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import {
  bundledTrustAnchors,
  parseCertificate,
  parsePemBundle,
} from '../../src/attestation/index.ts';
import { pssSha384Problem } from '../../src/attestation/pss.ts';

/** The PEMs as published beside the repository (`../shared/amd-sev-snp/`). */
const SHARED = new URL('../../../../shared/amd-sev-snp/', import.meta.url);

describe('bundled AMD roots', () => {
  const anchors = bundledTrustAnchors();

  it.skipIf(!existsSync(SHARED))(
    'bundles Milan, Genoa and Turin, byte for byte the published PEMs',
    () => {
      expect(anchors.map((a) => a.product)).toEqual(['Milan', 'Genoa', 'Turin']);
      for (const { product, ark, ask } of anchors) {
        const name = product.toLowerCase();
        const [publishedArk] = parsePemBundle(
          readFileSync(new URL(`ark-${name}.pem`, SHARED), 'utf8'),
        );
        const [publishedAsk] = parsePemBundle(
          readFileSync(new URL(`ask-${name}.pem`, SHARED), 'utf8'),
        );
        expect(Buffer.from(ark.der).equals(Buffer.from(publishedArk?.der ?? []))).toBe(true);
        expect(Buffer.from(ask.der).equals(Buffer.from(publishedAsk?.der ?? []))).toBe(true);
      }
    },
  );

  it.each(bundledTrustAnchors().map((a) => [a.product, a] as const))(
    '%s: the ARK is self-signed, the ASK verifies under it, both RSASSA-PSS/SHA-384',
    (product, { ark, ask }) => {
      expect(ark.parsed.subject).toContain(`CN=ARK-${product}`);
      expect(ask.parsed.subject).toContain(`CN=SEV-${product}`);
      expect(ark.node.ca && ask.node.ca).toBe(true);
      expect(ark.node.verify(ark.node.publicKey)).toBe(true);
      expect(ask.node.checkIssued(ark.node)).toBe(true);
      expect(ask.node.verify(ark.node.publicKey)).toBe(true);
      expect(pssSha384Problem(ark.der)).toBeUndefined();
      expect(pssSha384Problem(ask.der)).toBeUndefined();
      expect(ask.parsed.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2045);
    },
  );

  it('no ASK verifies under another product line’s ARK', () => {
    for (const a of anchors) {
      for (const b of anchors.filter((x) => x !== a)) {
        expect(a.ask.node.verify(b.ark.node.publicKey)).toBe(false);
      }
    }
  });

  it('node:crypto rejects a bundled ASK with one bit of its RSA-PSS signature flipped', () => {
    const der = new Uint8Array(anchors[0]?.ask.der ?? []);
    der[der.length - 10] = (der[der.length - 10] as number) ^ 1;
    const tampered = parseCertificate(der);
    expect(tampered.node.verify((anchors[0]?.ark ?? tampered).node.publicKey)).toBe(false);
  });
});

describe('RSASSA-PSS parameter check', () => {
  const sign = async (signingAlgorithm: unknown, keys?: CryptoKeyPair) => {
    const k =
      keys ??
      ((await webcrypto.subtle.generateKey(
        {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-384',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
        },
        false,
        ['sign', 'verify'],
      )) as CryptoKeyPair);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=test',
      keys: k,
      signingAlgorithm: signingAlgorithm as SigningAlgorithm,
    });
    return new Uint8Array(cert.rawData);
  };

  it('accepts SHA-384 with a 48-byte salt, refuses other parameters and algorithms', async () => {
    const pss = await rsaPssKeys();
    expect(pssSha384Problem(await sign({ name: 'RSA-PSS', saltLength: 48 }, pss))).toBeUndefined();
    expect(pssSha384Problem(await sign({ name: 'RSA-PSS', saltLength: 32 }, pss))).toBe(
      'RSASSA-PSS salt length is not 48',
    );
    const sha256 = (await webcrypto.subtle.generateKey(
      {
        name: 'RSA-PSS',
        hash: 'SHA-256',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
      },
      false,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    expect(pssSha384Problem(await sign({ name: 'RSA-PSS', saltLength: 48 }, sha256))).toBe(
      'RSASSA-PSS hash is not SHA-384',
    );
    expect(pssSha384Problem(await sign({ name: 'RSASSA-PKCS1-v1_5' }))).toBe(
      'signature algorithm is not RSASSA-PSS',
    );
    expect(pssSha384Problem(Uint8Array.of(0x30, 0x03, 0x02, 0x01))).toMatch(/does not decode/);
  });
});
