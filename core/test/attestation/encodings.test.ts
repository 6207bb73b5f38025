import { createHash, generateKeyPairSync } from 'node:crypto';
import { certTable } from '@frostmint/test-support/snp';
import { describe, expect, it } from 'vitest';
import {
  CERT_TABLE_GUID,
  parseCertTable,
  REPORT_DATA_DOMAIN,
  reportDataFor,
  tlsSpkiFrom,
} from '../../src/attestation/index.ts';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
const nonce = new Uint8Array(32).fill(7);
const policyId = `sha256:${'00'.repeat(32)}`;

describe('reportDataFor', () => {
  it('is SHA-512 over the domain and the length-prefixed nonce, SPKI and policy id', () => {
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const id = Buffer.from(policyId, 'utf8');
    const expected = createHash('sha512')
      .update(
        Buffer.concat([
          Buffer.from('frostmint/attestation/report-data/v1\0', 'utf8'),
          u32(32),
          nonce,
          u32(spki.length),
          spki,
          u32(id.length),
          id,
        ]),
      )
      .digest();
    expect(REPORT_DATA_DOMAIN).toBe('frostmint/attestation/report-data/v1\0');
    expect(Buffer.from(reportDataFor({ nonce, tlsSpki: spki, policyId }))).toEqual(expected);
    expect(reportDataFor({ nonce, tlsSpki: spki, policyId })).toHaveLength(64);
  });

  it('length prefixes keep field boundaries: moving a byte between fields changes the result', () => {
    const a = reportDataFor({ nonce: new Uint8Array(17).fill(1), tlsSpki: spki, policyId: 'xy' });
    const b = reportDataFor({
      nonce: new Uint8Array(16).fill(1),
      tlsSpki: spki,
      policyId: '\u0001xy',
    });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it.each([
    ['a 15-byte nonce', { nonce: new Uint8Array(15), tlsSpki: spki, policyId }],
    ['a 257-byte nonce', { nonce: new Uint8Array(257), tlsSpki: spki, policyId }],
    ['a key that is no SPKI', { nonce, tlsSpki: new Uint8Array([1, 2, 3]), policyId }],
    ['an empty policy id', { nonce, tlsSpki: spki, policyId: '' }],
  ])('refuses %s', (_name, binding) => {
    expect(() => reportDataFor(binding)).toThrow(
      expect.objectContaining({ code: 'attestation_binding_invalid', status: 400 }),
    );
  });
});

describe('tlsSpkiFrom', () => {
  it('takes a PEM public key or DER SPKI, and refuses a private key', () => {
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    expect(tlsSpkiFrom(Buffer.from(pem))).toEqual(spki);
    expect(tlsSpkiFrom(spki)).toEqual(spki);
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    for (const bad of [Buffer.from(keyPem), Buffer.from('garbage')]) {
      expect(() => tlsSpkiFrom(bad)).toThrow(
        expect.objectContaining({ code: 'attestation_binding_invalid' }),
      );
    }
  });
});

describe('parseCertTable', () => {
  const vcek = new Uint8Array([1, 2, 3]);
  const ask = new Uint8Array([4, 5]);

  it('reads entries by GUID (RFC 4122 byte order) and accepts an empty table', () => {
    const table = parseCertTable(
      certTable([
        [CERT_TABLE_GUID.ask, ask],
        [CERT_TABLE_GUID.vcek, vcek],
      ]),
    );
    expect(table.get(CERT_TABLE_GUID.vcek)).toEqual(vcek);
    expect(table.get(CERT_TABLE_GUID.ask)).toEqual(ask);
    expect(table.get(CERT_TABLE_GUID.ark)).toBeUndefined();
    expect(parseCertTable(new Uint8Array(0)).size).toBe(0);
    expect(parseCertTable(new Uint8Array(24)).size).toBe(0);
  });

  it('refuses a table without terminator, entries pointing outside it, and duplicates', () => {
    const good = certTable([[CERT_TABLE_GUID.vcek, vcek]]);
    const unterminated = good.subarray(0, 24);
    const outside = new Uint8Array(good);
    outside[16] = 200;
    const duplicate = certTable([
      [CERT_TABLE_GUID.vcek, vcek],
      [CERT_TABLE_GUID.vcek, ask],
    ]);
    const intoHeader = new Uint8Array(good);
    intoHeader[16] = 8;
    for (const bad of [unterminated, outside, duplicate, intoHeader]) {
      expect(() => parseCertTable(bad)).toThrow(
        expect.objectContaining({ code: 'attestation_cert_table' }),
      );
    }
  });
});
