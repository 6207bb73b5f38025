import { canonicalJson, leafHash } from '@frostmint/core';
import type { AuditStore } from '../storage/index.ts';
import type { EvidenceDigest, SignedDigests } from './entry-digests.ts';

/**
 * What a mint or enrollment entry says about the signing (issue 14): the hashes of the token
 * and of the signed message, the evidence kinds and digests, the approving guardians' kids.
 * Entries written before these fields existed lack them; readers treat them as absent.
 */
export interface SigningFacts extends SignedDigests {
  readonly evidence: readonly EvidenceDigest[];
  /** Approval key kids of the guardians whose approvals the signers verified. */
  readonly approvals: readonly string[];
}

/**
 * One audit entry. Tokens and evidence never appear here: only what was decided, for whom,
 * and the hashes that tie the entry to the token delivered.
 */
export type AuditEntry =
  | ({
      readonly type: 'mint';
      readonly jti: string;
      readonly sub: string;
      readonly aud: string;
      readonly scope: string;
      readonly exp: number;
      readonly policy: string;
      readonly signers: readonly number[];
    } & SigningFacts)
  | {
      readonly type: 'denial';
      readonly sub: string;
      readonly aud: string;
      readonly scope: string;
      readonly policy: string;
      readonly reasons: readonly string[];
    }
  | ({
      readonly type: 'enrollment';
      readonly cert_id: string;
      readonly sub: string;
      readonly credential_id: string;
      readonly roles: readonly string[];
      readonly exp: number;
      readonly policy: string;
      readonly signers: readonly number[];
    } & SigningFacts)
  | {
      /** A guardian's verified answer to a pending mint request. */
      readonly type: 'approval';
      readonly request: string;
      /** The guardian's approval key kid. */
      readonly guardian: string;
      readonly decision: 'approve' | 'deny';
      /** Present when the guardian approved on the web page (WebAuthn). */
      readonly method?: 'webauthn';
    }
  | {
      /** A signer refused (or failed) what the coordinator asked during a mint. */
      readonly type: 'signer_refusal';
      /** The mint's request id (the token's `jti` for one-step mints). */
      readonly request: string;
      readonly signer: number;
      readonly rpc: 'commit' | 'sign';
      /** The signer's stable refusal code (`token_iat_skew`, `policy_mismatch`, `slow`…). */
      readonly code: string;
    }
  | {
      /** A mint ended without a quorum of signers: nothing was signed. */
      readonly type: 'quorum_loss';
      readonly request: string;
      readonly available: number;
      readonly needed: number;
      readonly refusals: readonly { signer: number; code: string }[];
    }
  | {
      /**
       * Signers were sent this message in round two and it did not become the token or
       * certificate delivered (another quorum signed instead, or the signing failed). A
       * signer may hold a share of it and waits for it in a checkpoint (docs/audit-signers.md),
       * so it is logged: every signing input any signer co-signed is in the log. The signing
       * input is not a credential (no signature); it is logged whole so that a monitor sees
       * exactly what a coordinator could have completed.
       */
      readonly type: 'unused_signing';
      readonly request: string;
      readonly purpose: 'token' | 'enrollment';
      readonly signers: readonly number[];
      /** Base64url of the signing input. */
      readonly signing_input: string;
      readonly signing_input_sha256: string;
    }
  | {
      /**
       * A signer reported co-signing this signing input, and no entry proved it logged for
       * half the signer's merge delay: a coordinator stopped between signing and logging, or
       * kept a token out of the log. Logged from the report (the hash is all the signer
       * gives), so the signer is not left refusing; an honest, running coordinator never
       * writes one, so monitors alert on it.
       */
      readonly type: 'unlogged_signing';
      readonly signer: number;
      readonly signing_input_sha256: string;
    }
  | {
      /** Credential use that departs from the subject's own history (see coordinator/src/anomaly). */
      readonly type: 'anomaly';
      readonly kind: 'rate_spike' | 'new_scope' | 'off_hours' | 'denial_burst';
      readonly sub: string;
      readonly detail: string;
      readonly scope?: string;
    }
  | {
      /** A guardian bound a WebAuthn credential with their approval key. */
      readonly type: 'guardian_credential_bound';
      readonly guardian: string;
      readonly credential: string;
      readonly not_after: number;
    };

/**
 * The append-only audit log (RFC 9162 leaf hashing over canonical JSON). `record`
 * resolves only once the entry is durable in the store, so a caller that awaits it before
 * answering never hands out a token the log does not hold.
 *
 * @example
 * ```ts
 * const index = await audit.record({ type: 'denial', sub, aud, scope, policy, reasons });
 * ```
 */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly now: () => number = Date.now,
    /** Told of every entry once it is durable (the anomaly detector watches mints and denials). */
    private readonly onRecorded?: (entry: AuditEntry, at: Date) => void,
  ) {}

  async record(entry: AuditEntry): Promise<number> {
    const at = new Date(this.now());
    const entryJson = canonicalJson({ ...entry, at: at.toISOString() });
    const key = receiptKey(entry);
    const index = await this.store.append({
      leafHash: leafHash(Buffer.from(entryJson, 'utf8')),
      entryJson,
      createdAt: at,
      ...(key === undefined ? {} : { key }),
    });
    this.onRecorded?.(entry, at);
    return index;
  }
}

/** The token id a receipt for `entry` is requested by (`GET /v1/audit/receipts/{jti}`). */
function receiptKey(entry: AuditEntry): string | undefined {
  if (entry.type === 'mint') return entry.jti;
  if (entry.type === 'enrollment') return entry.cert_id;
  return undefined;
}
