import { buildReport, createTestChain, type TestChain } from '@frostmint/test-support/snp';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryOrHex, parseReport, REPORT_SIZE } from '../../src/attestation/index.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await createTestChain('Genoa');
});

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('parseReport', () => {
  it('reads every field of a version 3 report at its ABI offset', () => {
    const bytes = buildReport(chain, {
      guestSvn: 7,
      policy: 0x1f30102n, // ABI 1.2, SMT, reserved bit 17, SINGLE_SOCKET … CIPHERTEXT_HIDING
      familyId: fill(16, 0x10),
      imageId: fill(16, 0x20),
      vmpl: 2,
      currentTcb: 0x1111n,
      platformInfo: 0x3fn,
      keyInfo: 0b1,
      reportData: fill(64, 0x50),
      measurement: fill(48, 0x90),
      hostData: fill(32, 0xc0),
      idKeyDigest: fill(48, 0xe0),
      authorKeyDigest: fill(48, 0x11),
      reportId: fill(32, 0x14),
      reportIdMa: fill(32, 0x16),
      reportedTcb: 0x2222n,
      cpuid: [0x19, 0x11, 0x02],
      committedTcb: 0x3333n,
      currentVersion: [1, 57, 9],
      committedVersion: [1, 56, 8],
      launchTcb: 0x4444n,
    });
    bytes.fill(0x0a, 0x2a0, 0x2a0 + 48);
    bytes.fill(0x0b, 0x2a0 + 0x48, 0x2a0 + 0x48 + 48);
    const r = parseReport(bytes);
    expect(r).toMatchObject({
      version: 3,
      guestSvn: 7,
      vmpl: 2,
      signatureAlgo: 1,
      currentTcb: 0x1111n,
      reportedTcb: 0x2222n,
      committedTcb: 0x3333n,
      launchTcb: 0x4444n,
      cpuid: { family: 0x19, model: 0x11, stepping: 0x02 },
      currentVersion: { major: 1, minor: 57, build: 9 },
      committedVersion: { major: 1, minor: 56, build: 8 },
      keyInfo: { authorKeyEnabled: true, maskChipKey: false, signingKey: 'vcek' },
    });
    expect(r.policy).toMatchObject({
      abiMajor: 1,
      abiMinor: 2,
      smt: true,
      migrateMa: false,
      debug: false,
      singleSocket: true,
      cxlAllow: true,
      memAes256Xts: true,
      raplDis: true,
      ciphertextHiding: true,
    });
    expect(r.platformInfo).toMatchObject({
      smtEnabled: true,
      tsmeEnabled: true,
      eccEnabled: true,
      raplDisabled: true,
      ciphertextHidingEnabled: true,
      aliasCheckComplete: true,
    });
    expect([r.familyId, r.imageId].map(hex)).toEqual([hex(fill(16, 0x10)), hex(fill(16, 0x20))]);
    expect(hex(r.reportData)).toBe(hex(fill(64, 0x50)));
    expect(hex(r.measurement)).toBe(hex(fill(48, 0x90)));
    expect(hex(r.hostData)).toBe(hex(fill(32, 0xc0)));
    expect(hex(r.idKeyDigest)).toBe(hex(fill(48, 0xe0)));
    expect(hex(r.authorKeyDigest)).toBe(hex(fill(48, 0x11)));
    expect(hex(r.reportId)).toBe(hex(fill(32, 0x14)));
    expect(hex(r.reportIdMa)).toBe(hex(fill(32, 0x16)));
    expect(hex(r.chipId)).toBe(hex(chain.chipId));
    expect(hex(r.signature.r)).toBe(hex(new Uint8Array([...fill(48, 0x0a), ...fill(24, 0)])));
    expect(hex(r.signature.s)).toBe(hex(new Uint8Array([...fill(48, 0x0b), ...fill(24, 0)])));
    expect(r.signed).toEqual(bytes.subarray(0, 0x2a0));
  });

  it('reads version 2: no CPUID fields, no ALIAS_CHECK_COMPLETE', () => {
    const r = parseReport(buildReport(chain, { version: 2, cpuid: null, platformInfo: 0x1fn }));
    expect(r.version).toBe(2);
    expect(r.cpuid).toBeNull();
    expect(r.platformInfo.aliasCheckComplete).toBeNull();
  });

  it.each([0, 1, 1183, 1185, 4096])('refuses %i bytes', (n) => {
    const bytes = new Uint8Array(n);
    bytes.set(buildReport(chain).subarray(0, Math.min(n, REPORT_SIZE)));
    expect(() => parseReport(bytes)).toThrow(
      expect.objectContaining({ code: 'attestation_report_length', status: 400 }),
    );
  });

  it.each([0, 1, 4, 5, 0xffffffff])('refuses version %i', (version) => {
    expect(() => parseReport(buildReport(chain, { version }))).toThrow(
      expect.objectContaining({ code: 'attestation_report_version' }),
    );
  });

  it.each([
    ['0x04C (after KEY_INFO)', 3, 0x4c],
    ['0x18B (after CPUID_STEP)', 3, 0x18b],
    ['0x188 (CPUID bytes are reserved in v2)', 2, 0x188],
    ['0x19F', 3, 0x19f],
    ['0x1EB (after CURRENT_MAJOR)', 3, 0x1eb],
    ['0x1EF (after COMMITTED_MAJOR)', 3, 0x1ef],
    ['0x1F8 (after LAUNCH_TCB)', 3, 0x1f8],
    ['0x29F (last signed byte)', 3, 0x29f],
    ['0x330 (after SIGNATURE.S)', 3, 0x330],
    ['0x49F (last byte)', 3, 0x49f],
  ])('refuses a non-zero reserved byte at %s', (_name, version, offset) => {
    const bytes = buildReport(chain, version === 2 ? { version: 2, cpuid: null } : {});
    bytes[offset] = 1;
    expect(() => parseReport(bytes)).toThrow(
      expect.objectContaining({ code: 'attestation_report_reserved' }),
    );
  });

  it.each([
    ['guest policy bit 17 clear', { policy: 0x10000n }, 'attestation_report_malformed'],
    ['guest policy bit 25 set', { policy: 0x30000n | (1n << 25n) }, 'attestation_report_reserved'],
    ['guest policy bit 63 set', { policy: 0x30000n | (1n << 63n) }, 'attestation_report_reserved'],
    [
      'platform info bit 5 in v2',
      { version: 2, cpuid: null, platformInfo: 0x20n },
      'attestation_report_reserved',
    ],
    ['platform info bit 6 in v3', { platformInfo: 0x40n }, 'attestation_report_reserved'],
    ['key info bit 5', { keyInfo: 1 << 5 }, 'attestation_report_reserved'],
    ['SIGNING_KEY 3 (reserved)', { keyInfo: 3 << 2 }, 'attestation_report_malformed'],
  ] as const)('refuses %s', (_name, fields, code) => {
    expect(() => parseReport(buildReport(chain, fields))).toThrow(
      expect.objectContaining({ code }),
    );
  });

  it('refuses a SIGNATURE_ALGO other than ECDSA P-384 with SHA-384', () => {
    const bytes = buildReport(chain);
    bytes[0x34] = 2;
    expect(() => parseReport(bytes)).toThrow(
      expect.objectContaining({ code: 'attestation_report_malformed' }),
    );
  });
});

describe('binaryOrHex', () => {
  it('decodes a hex dump (any whitespace) and passes binary through', () => {
    const bytes = buildReport(chain);
    const dump = Buffer.from(bytes)
      .toString('hex')
      .replace(/(.{60})/g, '$1\n');
    expect(binaryOrHex(Buffer.from(`${dump}\n`))).toEqual(bytes);
    expect(binaryOrHex(bytes)).toBe(bytes);
  });
});
