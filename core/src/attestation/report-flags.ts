import { AttestationFormatError } from './errors.ts';

/** GUEST_POLICY (SEV-SNP ABI spec 56860, "Guest Policy" structure), as fixed at launch. */
export interface GuestPolicy {
  readonly raw: bigint;
  readonly abiMinor: number;
  readonly abiMajor: number;
  /** Bit 16: SMT allowed on the host. */
  readonly smt: boolean;
  /** Bit 18: a migration agent may be associated. */
  readonly migrateMa: boolean;
  /** Bit 19: the hypervisor may debug (decrypt) the guest. */
  readonly debug: boolean;
  /** Bit 20: the guest may run on one socket only. */
  readonly singleSocket: boolean;
  /** Bit 21: CXL may be populated with guest memory. */
  readonly cxlAllow: boolean;
  /** Bit 22: AES-256-XTS memory encryption required. */
  readonly memAes256Xts: boolean;
  /** Bit 23: RAPL must be disabled. */
  readonly raplDis: boolean;
  /** Bit 24: ciphertext hiding required. */
  readonly ciphertextHiding: boolean;
}

/** PLATFORM_INFO (ABI spec, ATTESTATION_REPORT offset 0x40). */
export interface PlatformInfo {
  readonly raw: bigint;
  readonly smtEnabled: boolean;
  readonly tsmeEnabled: boolean;
  readonly eccEnabled: boolean;
  readonly raplDisabled: boolean;
  readonly ciphertextHidingEnabled: boolean;
  /** Bit 5, report version 3 and later; `null` in version 2. */
  readonly aliasCheckComplete: boolean | null;
}

/** Which key signed the report (KEY_INFO bits 4:2): 0 VCEK, 1 VLEK, 7 none. */
export type SigningKey = 'vcek' | 'vlek' | 'none';

/** KEY_INFO (ABI spec, ATTESTATION_REPORT offset 0x48). */
export interface KeyInfo {
  readonly authorKeyEnabled: boolean;
  /** Bit 1: the firmware zeroed SIGNATURE instead of signing. */
  readonly maskChipKey: boolean;
  readonly signingKey: SigningKey;
}

const bit = (value: bigint, n: number) => ((value >> BigInt(n)) & 1n) === 1n;

function mustBeZeroAbove(value: bigint, highestDefined: number, field: string): void {
  if (value >> BigInt(highestDefined + 1) !== 0n) {
    throw new AttestationFormatError(
      'attestation_report_reserved',
      `${field} 0x${value.toString(16)} sets reserved bits above bit ${highestDefined}`,
    );
  }
}

/**
 * Decodes GUEST_POLICY. Bit 17 is reserved and must be 1; bits 63:25 are reserved and must
 * be 0 (bit 25, PAGE_SWAP_DISABLE, exists from report version 5, which is not accepted).
 *
 * @example
 * ```ts
 * decodeGuestPolicy(0x30000n).smt; // true
 * ```
 */
export function decodeGuestPolicy(raw: bigint): GuestPolicy {
  if (!bit(raw, 17)) {
    throw new AttestationFormatError(
      'attestation_report_malformed',
      'guest policy bit 17 is reserved and must be 1',
    );
  }
  mustBeZeroAbove(raw, 24, 'guest policy');
  return {
    raw,
    abiMinor: Number(raw & 0xffn),
    abiMajor: Number((raw >> 8n) & 0xffn),
    smt: bit(raw, 16),
    migrateMa: bit(raw, 18),
    debug: bit(raw, 19),
    singleSocket: bit(raw, 20),
    cxlAllow: bit(raw, 21),
    memAes256Xts: bit(raw, 22),
    raplDis: bit(raw, 23),
    ciphertextHiding: bit(raw, 24),
  };
}

/**
 * Decodes PLATFORM_INFO: bits 4:0 in version 2, bit 5 (ALIAS_CHECK_COMPLETE) added in
 * version 3; higher bits are reserved and must be 0.
 *
 * @example
 * ```ts
 * decodePlatformInfo(0x3n, 3).tsmeEnabled; // true
 * ```
 */
export function decodePlatformInfo(raw: bigint, version: 2 | 3): PlatformInfo {
  mustBeZeroAbove(raw, version === 2 ? 4 : 5, 'platform info');
  return {
    raw,
    smtEnabled: bit(raw, 0),
    tsmeEnabled: bit(raw, 1),
    eccEnabled: bit(raw, 2),
    raplDisabled: bit(raw, 3),
    ciphertextHidingEnabled: bit(raw, 4),
    aliasCheckComplete: version === 2 ? null : bit(raw, 5),
  };
}

/**
 * Decodes KEY_INFO: bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY (2–6
 * reserved), bits 31:5 reserved and zero.
 *
 * @example
 * ```ts
 * decodeKeyInfo(0).signingKey; // 'vcek'
 * ```
 */
export function decodeKeyInfo(raw: number): KeyInfo {
  mustBeZeroAbove(BigInt(raw), 4, 'key info');
  const key = (raw >> 2) & 0b111;
  const signingKey = ({ 0: 'vcek', 1: 'vlek', 7: 'none' } as const)[key as 0 | 1 | 7];
  if (signingKey === undefined) {
    throw new AttestationFormatError(
      'attestation_report_malformed',
      `key info SIGNING_KEY ${key} is reserved`,
    );
  }
  return { authorKeyEnabled: (raw & 1) === 1, maskChipKey: (raw & 2) === 2, signingKey };
}
