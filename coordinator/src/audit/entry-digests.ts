import { createHash } from 'node:crypto';
import { AttestationEvidence, Evidence } from '@frostmint/proto';

/** One piece of evidence a signed token or certificate rests on, as the audit log holds it. */
export interface EvidenceDigest {
  /** `dev`, `webauthn`, `registration`, `oidc` (the `Evidence` oneof), or `requester_attestation`. */
  readonly kind: string;
  /** Hex SHA-256 of the evidence message's protobuf encoding, exactly as every signer received it. */
  readonly sha256: string;
}

/** What an audit entry says about the signed bytes: their hashes, never the bytes. */
export interface SignedDigests {
  /** Hex SHA-256 of the compact JWS (or certificate) exactly as delivered. */
  readonly token_sha256: string;
  /** Hex SHA-256 of the message the quorum signed (a JWS signing input, an enrollment input). */
  readonly signing_input_sha256: string;
}

/**
 * Hex SHA-256 of a string's UTF-8 bytes or of raw bytes.
 *
 * @example
 * ```ts
 * sha256Hex(compactJws); // 'e3b0c442…'
 * ```
 */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The token and signing-input hashes of an audit entry: a receipt holder proves which token
 * the entry is about, and a signer matches the signatures it made (`signing_input_sha256`).
 *
 * @example
 * ```ts
 * const digests = signedDigests(jws, signed.message);
 * ```
 */
export function signedDigests(delivered: string | Uint8Array, message: Uint8Array): SignedDigests {
  return { token_sha256: sha256Hex(delivered), signing_input_sha256: sha256Hex(message) };
}

/**
 * The kinds and digests of the evidence a signing was asked on: the requester's evidence and,
 * when present, its SEV-SNP attestation. The evidence itself (an ID token, an assertion) never
 * enters the log; a holder of it can recompute the digest.
 *
 * @example
 * ```ts
 * const evidence = evidenceDigests(requester.evidence, attested?.requesterEvidence);
 * ```
 */
export function evidenceDigests(
  evidence: Evidence,
  attestation?: AttestationEvidence,
): EvidenceDigest[] {
  const digests: EvidenceDigest[] = [
    {
      kind: evidence.kind?.$case ?? 'none',
      sha256: sha256Hex(Evidence.encode(evidence).finish()),
    },
  ];
  if (attestation) {
    digests.push({
      kind: 'requester_attestation',
      sha256: sha256Hex(AttestationEvidence.encode(attestation).finish()),
    });
  }
  return digests;
}
