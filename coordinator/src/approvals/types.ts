import type {
  MintApprovalSubject,
  PolicyDecision,
  TokenClaims,
  TokenHeader,
} from '@frostmint/core';
import type { Requester } from '../auth/types.ts';
import type { MintBody } from '../mint-body.ts';

/** The answer (HTTP 202) to a mint that waits for guardian approvals. */
export interface PendingMint {
  readonly request_id: string;
  readonly status: 'pending';
  /**
   * Shown once: the requester polls `GET /v1/mint/requests/{id}/token` with
   * `Authorization: Bearer <request_secret>` (only its SHA-256 is stored).
   */
  readonly request_secret: string;
  readonly required_approvals: number;
  readonly expires_at: number;
  /** What each guardian signs (see core/src/approvals). */
  readonly approval_subject: MintApprovalSubject;
}

/** What a mint that waits for approvals hands over. */
export interface PendingMintInput {
  readonly requester: Requester;
  readonly request: MintBody;
  readonly header: TokenHeader;
  /** The token as it stands now (times and signers are fixed again when it is signed). */
  readonly claims: TokenClaims;
  readonly decision: PolicyDecision;
}

/** Where the mint service parks a mint that needs guardian approvals. */
export interface PendingMintSink {
  create(input: PendingMintInput): Promise<PendingMint>;
}
