import { AttestationFormatError } from './errors.ts';
import {
  decodeGuestPolicy,
  decodeKeyInfo,
  decodePlatformInfo,
  type GuestPolicy,
  type KeyInfo,
  type PlatformInfo,
} from './report-flags.ts';

/** Size of ATTESTATION_REPORT (SEV-SNP ABI spec 56860 rev 1.55, Table 22): 0x4A0 bytes. */
export const REPORT_SIZE = 0x4a0;
/** The signature covers bytes 0x000–0x29F; SIGNATURE starts at 0x2A0. */
export const SIGNED_LENGTH = 0x2a0;
/** Report versions this verifier understands (v3 adds CPUID_FAM_ID/MOD_ID/STEP). */
export const REPORT_VERSIONS = [2, 3] as const;

/** Firmware version triple (CURRENT_/COMMITTED_ MAJOR, MINOR, BUILD). */
export interface FirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

/** A parsed SEV-SNP ATTESTATION_REPORT; byte fields are views into the input. */
export interface SnpReport {
  readonly version: 2 | 3;
  readonly guestSvn: number;
  readonly policy: GuestPolicy;
  readonly familyId: Uint8Array;
  readonly imageId: Uint8Array;
  readonly vmpl: number;
  /** 1 = ECDSA P-384 with SHA-384, the only defined value. */
  readonly signatureAlgo: 1;
  readonly currentTcb: bigint;
  readonly platformInfo: PlatformInfo;
  readonly keyInfo: KeyInfo;
  readonly reportData: Uint8Array;
  readonly measurement: Uint8Array;
  readonly hostData: Uint8Array;
  readonly idKeyDigest: Uint8Array;
  readonly authorKeyDigest: Uint8Array;
  readonly reportId: Uint8Array;
  readonly reportIdMa: Uint8Array;
  readonly reportedTcb: bigint;
  /** Version 3 only: CPUID family, model and stepping of the chip. */
  readonly cpuid: {
    readonly family: number;
    readonly model: number;
    readonly stepping: number;
  } | null;
  readonly chipId: Uint8Array;
  readonly committedTcb: bigint;
  readonly currentVersion: FirmwareVersion;
  readonly committedVersion: FirmwareVersion;
  readonly launchTcb: bigint;
  /** R and S of the ECDSA signature, little-endian, zero-extended to 72 bytes each. */
  readonly signature: { readonly r: Uint8Array; readonly s: Uint8Array };
  /** Bytes 0x000–0x29F, the signed part. */
  readonly signed: Uint8Array;
}

/**
 * Parses an SEV-SNP ATTESTATION_REPORT, version 2 or 3 (ABI spec 56860 rev 1.55 Table 22;
 * later revisions for the v3 CPUID fields), strictly: exactly 1184 bytes, a known version, every
 * reserved field and bit zero, SIGNATURE_ALGO 1. Does not verify anything cryptographic.
 *
 * @throws AttestationFormatError `attestation_report_length`, `attestation_report_version`,
 *   `attestation_report_reserved`, `attestation_report_malformed`.
 * @example
 * ```ts
 * const report = parseReport(await readFile('report.bin'));
 * report.vmpl; // 0
 * ```
 */
export function parseReport(bytes: Uint8Array): SnpReport {
  if (bytes.length !== REPORT_SIZE) {
    throw new AttestationFormatError(
      'attestation_report_length',
      `attestation report is ${bytes.length} bytes; an SEV-SNP ATTESTATION_REPORT is exactly ${REPORT_SIZE}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u8 = (off: number) => view.getUint8(off);
  const u32 = (off: number) => view.getUint32(off, true);
  const u64 = (off: number) => view.getBigUint64(off, true);
  const field = (off: number, len: number) => bytes.subarray(off, off + len);
  const reserved = (from: number, to: number) => {
    const i = field(from, to - from).findIndex((b) => b !== 0);
    if (i >= 0) {
      throw new AttestationFormatError(
        'attestation_report_reserved',
        `reserved byte 0x${(from + i).toString(16)} is not zero`,
      );
    }
  };

  const version = u32(0x00);
  if (version !== 2 && version !== 3) {
    throw new AttestationFormatError(
      'attestation_report_version',
      `attestation report version ${version} is not supported (supported: ${REPORT_VERSIONS.join(', ')})`,
    );
  }
  const signatureAlgo = u32(0x34);
  if (signatureAlgo !== 1) {
    throw new AttestationFormatError(
      'attestation_report_malformed',
      `SIGNATURE_ALGO ${signatureAlgo} is not 1 (ECDSA P-384 with SHA-384)`,
    );
  }
  reserved(0x4c, 0x50);
  // 0x188–0x19F: reserved in v2; CPUID_FAM_ID, CPUID_MOD_ID, CPUID_STEP then reserved in v3.
  reserved(version === 2 ? 0x188 : 0x18b, 0x1a0);
  reserved(0x1eb, 0x1ec);
  reserved(0x1ef, 0x1f0);
  reserved(0x1f8, SIGNED_LENGTH);
  // ECDSA P-384 signature format (ABI spec, chapter 10): R 0x00–0x47, S 0x48–0x8F, rest reserved.
  reserved(SIGNED_LENGTH + 0x90, REPORT_SIZE);

  const firmware = (off: number): FirmwareVersion => ({
    build: u8(off),
    minor: u8(off + 1),
    major: u8(off + 2),
  });
  return {
    version,
    guestSvn: u32(0x04),
    policy: decodeGuestPolicy(u64(0x08)),
    familyId: field(0x10, 16),
    imageId: field(0x20, 16),
    vmpl: u32(0x30),
    signatureAlgo,
    currentTcb: u64(0x38),
    platformInfo: decodePlatformInfo(u64(0x40), version),
    keyInfo: decodeKeyInfo(u32(0x48)),
    reportData: field(0x50, 64),
    measurement: field(0x90, 48),
    hostData: field(0xc0, 32),
    idKeyDigest: field(0xe0, 48),
    authorKeyDigest: field(0x110, 48),
    reportId: field(0x140, 32),
    reportIdMa: field(0x160, 32),
    reportedTcb: u64(0x180),
    cpuid: version === 3 ? { family: u8(0x188), model: u8(0x189), stepping: u8(0x18a) } : null,
    chipId: field(0x1a0, 64),
    committedTcb: u64(0x1e0),
    currentVersion: firmware(0x1e8),
    committedVersion: firmware(0x1ec),
    launchTcb: u64(0x1f0),
    signature: { r: field(SIGNED_LENGTH, 72), s: field(SIGNED_LENGTH + 0x48, 72) },
    signed: field(0, SIGNED_LENGTH),
  };
}
