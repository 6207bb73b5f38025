import {
  type ApprovalRelyingParty,
  type EnrollmentApprovalSubject,
  ForbiddenError,
  FrostmintError,
  type GuardianKey,
  guardianApprovalInput,
  type MintApprovalWire,
  mintApprovalSubject,
  UnavailableError,
  verifyGuardianApprovals,
  verifyGuardianSignature,
  type WebAuthnApprovalWire,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import { decodeRequest, type StoredRequest } from '../requests/kinds.ts';
import type { CoordinatorStore, MintRequest } from '../storage/index.ts';
import { type ApprovableRequest, approvable, requestSubject } from './subject.ts';
import { decodeProof, encodeProof } from './web/proof.ts';

/** The approvals of a request as the store keeps them. */
export type StoredApprovals = Awaited<ReturnType<CoordinatorStore['approvals']['listByRequest']>>;
/**
 * How long a mint waits for its approvals (and an approval stays valid), in seconds, unless
 * configured (`approvalWindowSeconds`).
 */
export const DEFAULT_APPROVAL_WINDOW_SECONDS = 1800;

/** A guardian's signed answer as submitted over HTTP. */
export interface GuardianAnswer {
  readonly guardianKid: string;
  /** ES256 by the approval key; empty for a WebAuthn approval. */
  readonly signature: Uint8Array;
  /** The proof of an approval made on the approval page. */
  readonly webauthn?: WebAuthnApprovalWire;
}

/** A pending mint request as guardians see it. */
export interface PendingView {
  readonly id: string;
  readonly kind: 'mint';
  readonly requester: string;
  readonly requester_kind: string;
  readonly scope: string[];
  readonly audience: string;
  readonly ttl: number;
  readonly justification: string | null;
  readonly reasons: string[];
  readonly required_approvals: number;
  readonly approvals: {
    guardian_kid: string;
    guardian: string | null;
    signature: string;
    not_after: number;
  }[];
  readonly created_at: number;
  readonly expires_at: number;
  /** Exactly what an approval signs (with `not_after` = `expires_at`). */
  readonly approval_subject: ReturnType<typeof mintApprovalSubject>;
  /** The requester's verified CI claims, when it is a CI job. */
  readonly oidc?: Record<string, string | number | boolean>;
}

/** A pending enrollment (one whose policy requires guardian approvals) as guardians see it. */
export interface PendingEnrollmentView {
  readonly id: string;
  readonly kind: 'enrollment';
  readonly requester: string;
  readonly requester_kind: 'engineer';
  /** The engineer to enroll. */
  readonly user: string;
  readonly roles: string[];
  /** Certificate lifetime, seconds. */
  readonly lifetime: number;
  readonly reasons: string[];
  readonly required_approvals: number;
  readonly approvals: PendingView['approvals'];
  readonly created_at: number;
  readonly expires_at: number;
  /** Exactly what an approval signs (with `notAfter` = `expires_at`). */
  readonly approval_subject: EnrollmentApprovalSubject;
}

/**
 * What happens to a request once its approvals are in, by kind: a two-step mint or an
 * enrollment is fixed for its tap (`requests/approved-tap.ts`); a polled mint waits for its
 * requester's poll. Given the gate, whose verified approvals it uses.
 */
export interface ApprovedRequests {
  advance(request: StoredRequest, gate: ApprovalStage): Promise<unknown>;
}

/** What the request flows use of the gate. */
export type ApprovalStage = Pick<ApprovalGate, 'verifiedApprovals' | 'approvers' | 'windowSeconds'>;

export interface ApprovalGateOptions {
  readonly store: CoordinatorStore;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** The guardians of the group configuration (empty: nothing can be approved). */
  readonly guardians: readonly GuardianKey[];
  /** The coordinator's WebAuthn relying party: WebAuthn approvals are refused without it. */
  readonly rp?: ApprovalRelyingParty;
  /** Advances a request whose approvals are in (absent without WebAuthn: nothing to fix). */
  readonly approved?: ApprovedRequests | undefined;
  readonly now?: () => number;
  /** How long a request waits for approvals (default {@link DEFAULT_APPROVAL_WINDOW_SECONDS}). */
  readonly windowSeconds?: number;
}

/** The approvals of a request, verified over its token (see `verifiedApprovals`). */
export interface VerifiedApprovals {
  /** As the signers receive them. */
  readonly approvals: MintApprovalWire[];
  /** Kids of the approving guardians, sorted, each once: the token's `frostmint.approvals`. */
  readonly approvedBy: string[];
}

/**
 * The approval gate of every request that policy allows only once guardians approve it
 * (a polled or two-step mint, an enrollment), persisted in the coordinator store so any
 * coordinator can take an answer: lists what waits, verifies each guardian's approval or
 * denial against the group's guardian keys before storing it (a guardian counts once), and
 * once the count is reached hands the request to `approved` (by kind). Finishing a request
 * belongs to its front end (`mint/polled.ts`, `requests/`).
 *
 * @example
 * ```ts
 * const gate = new ApprovalGate({ store, audit, log, guardians, approved: new ApprovedTaps(ctx) });
 * ```
 */
export class ApprovalGate {
  constructor(private readonly options: ApprovalGateOptions) {}

  /** The guardians of the group configuration. */
  get guardians(): readonly GuardianKey[] {
    return this.options.guardians;
  }

  /** The coordinator's WebAuthn relying party, when configured. */
  get rp(): ApprovalRelyingParty | undefined {
    return this.options.rp;
  }

  /** How long a request waits for its approvals, in seconds. */
  get windowSeconds(): number {
    return this.options.windowSeconds ?? DEFAULT_APPROVAL_WINDOW_SECONDS;
  }

  /**
   * Every stored approval of `row`, verified over its token (they were verified when
   * submitted; this is the coordinator's check before it hands them to the signers).
   * Throws `approval_invalid` / `approval_expired`.
   */
  async verifiedApprovals(request: ApprovableRequest): Promise<VerifiedApprovals> {
    const approvals = this.wires(
      request.row,
      await this.options.store.approvals.listByRequest(request.row.id),
    );
    const approvedBy = await this.#verify(request, approvals);
    return { approvals, approvedBy };
  }

  /** Who approved request `id` so far (guardian names, or kids of unknown keys), oldest first. */
  async approvers(id: string): Promise<string[]> {
    return this.names(await this.options.store.approvals.listByRequest(id));
  }

  /**
   * Pending, unexpired token requests and enrollments waiting for approvals, oldest first,
   * as guardians review them.
   */
  async listPending(): Promise<(PendingView | PendingEnrollmentView)[]> {
    const rows = await this.options.store.mintRequests.listPending(100);
    const views: (PendingView | PendingEnrollmentView)[] = [];
    for (const row of rows) {
      const request = decodeRequest(row);
      if (!approvable(request)) continue;
      views.push(await this.#view(request));
    }
    return views;
  }

  /** One pending, unexpired request as guardians review it (`request_not_pending` else). */
  async pendingView(id: string): Promise<PendingView | PendingEnrollmentView> {
    return this.#view(await this.#pendingRequest(id));
  }

  /**
   * Records a guardian's approval after verifying it over this request (with `not_after`
   * = the request's expiry) — by the approval key, or with WebAuthn against `rp`;
   * `afterVerify` runs between verification and storage (the web approval's counter
   * check). Returns the approvals so far.
   */
  async approve(
    id: string,
    answer: GuardianAnswer,
    afterVerify?: () => Promise<void>,
  ): Promise<{ approvals: number; required: number }> {
    const request = await this.#pendingRequest(id);
    const { row } = request;
    await this.#verify(request, [this.#wire(row, answer)]);
    await afterVerify?.();
    const count = await this.options.store.approvals.add({
      requestId: id,
      guardianId: answer.guardianKid,
      signature: answer.signature,
      createdAt: new Date(this.#now() * 1000),
      ...(answer.webauthn ? { webauthn: encodeProof(answer.webauthn) } : {}),
    });
    await this.options.audit.record({
      type: 'approval',
      request: id,
      guardian: answer.guardianKid,
      decision: 'approve',
      ...(answer.webauthn ? { method: 'webauthn' } : {}),
    });
    if (count >= row.requiredApprovals) {
      // The approval stands even if the request cannot advance now: the next read retries.
      await this.options.approved
        ?.advance(request, this)
        .catch((err: unknown) =>
          this.options.log.warn({ err, requestId: id }, 'could not advance the approved request'),
        );
    }
    return { approvals: count, required: row.requiredApprovals };
  }

  /** A guardian's refusal (signed with the denial domain): the request ends, denied. */
  async deny(id: string, answer: GuardianAnswer): Promise<void> {
    const request = await this.#pendingRequest(id);
    const { row } = request;
    const guardian = this.options.guardians.find((g) => g.approvalKey.kid === answer.guardianKid);
    const { kind, subjectAt } = requestSubject(request, this.options.rp);
    const denial = guardianApprovalInput(kind, subjectAt(expirySeconds(row)), true);
    if (!guardian || !verifyGuardianSignature(guardian, denial, answer.signature)) {
      throw new ForbiddenError(
        'denial_invalid',
        'the denial is not signed by a guardian of this group for this request',
      );
    }
    const now = new Date(this.#now() * 1000);
    await this.options.store.mintRequests.transition(
      id,
      'pending',
      'denied',
      now,
      `denied by guardian "${guardian.name}"`,
    );
    await this.options.audit.record({
      type: 'approval',
      request: id,
      guardian: answer.guardianKid,
      decision: 'deny',
    });
  }

  /** Stored approvals as the wire form they were verified in (with any WebAuthn proof). */
  wires(row: MintRequest, approvals: StoredApprovals): MintApprovalWire[] {
    return approvals.map((a) =>
      this.#wire(row, {
        guardianKid: a.guardianId,
        signature: a.signature,
        ...(a.webauthn ? { webauthn: decodeProof(a.webauthn) } : {}),
      }),
    );
  }

  /** The approvals of `row` verified over its subject (mint or enrollment). */
  #verify(request: ApprovableRequest, approvals: readonly MintApprovalWire[]): Promise<string[]> {
    const { kind, subjectAt } = requestSubject(request, this.options.rp);
    return verifyGuardianApprovals(
      approvals,
      kind,
      subjectAt,
      this.options.guardians,
      this.#now(),
      this.options.rp,
    );
  }

  async #pendingRequest(id: string): Promise<ApprovableRequest> {
    const row = await this.options.store.mintRequests.get(id);
    const request = row && decodeRequest(row);
    if (!request || !approvable(request)) throw unknownRequest();
    if (row.status !== 'pending' || expirySeconds(row) < this.#now()) {
      throw new FrostmintError('request_not_pending', `the request is ${row.status}, not pending`);
    }
    if (this.options.guardians.length === 0) {
      throw new UnavailableError(
        'guardians_missing',
        'this group has no guardians: nothing can be approved',
      );
    }
    return request;
  }

  async #view(request: ApprovableRequest): Promise<PendingView | PendingEnrollmentView> {
    const { row } = request;
    const approvals = await this.options.store.approvals.listByRequest(row.id);
    const answered = approvals.map((a) => ({
      guardian_kid: a.guardianId,
      guardian: this.#guardianName(a.guardianId),
      signature: Buffer.from(a.signature).toString('base64url'),
      not_after: expirySeconds(row),
    }));
    const common = {
      id: row.id,
      requester: row.requester,
      reasons: ((row.decision as { reasons?: string[] }).reasons ?? []).slice(),
      required_approvals: row.requiredApprovals,
      approvals: answered,
      created_at: Math.floor(row.createdAt.getTime() / 1000),
      expires_at: expirySeconds(row),
    };
    if (request.kind === 'enrollment') {
      const enrollment = request.request;
      const { subjectAt } = requestSubject(request, this.options.rp);
      return {
        ...common,
        kind: 'enrollment',
        requester_kind: 'engineer',
        user: enrollment.sub,
        roles: enrollment.roles,
        lifetime: enrollment.exp - enrollment.iat,
        approval_subject: subjectAt(expirySeconds(row)) as EnrollmentApprovalSubject,
      };
    }
    const { header, claims } = request;
    const pending = request.kind === 'polled_mint' ? request.pending : undefined;
    const oidc = pending?.requester.policy.oidc;
    return {
      ...common,
      kind: 'mint',
      requester_kind: pending?.requester.policy.kind ?? 'engineer',
      scope: claims.scope.split(' '),
      audience: claims.aud,
      ttl: claims.exp - claims.iat,
      justification: row.justification,
      approval_subject: mintApprovalSubject(header, claims, expirySeconds(row)),
      ...(oidc ? { oidc } : {}),
    };
  }

  #wire(row: MintRequest, answer: GuardianAnswer): MintApprovalWire {
    return {
      guardianKid: answer.guardianKid,
      signature: answer.signature,
      notAfter: expirySeconds(row),
      ...(answer.webauthn ? { webauthn: answer.webauthn } : {}),
    };
  }

  /** Guardian names of stored approvals (kids of unknown keys), in order. */
  names(approvals: readonly { guardianId: string }[]): string[] {
    return approvals.map((a) => this.#guardianName(a.guardianId) ?? a.guardianId);
  }

  #guardianName(kid: string): string | null {
    return this.options.guardians.find((g) => g.approvalKey.kid === kid)?.name ?? null;
  }

  #now(): number {
    return Math.floor((this.options.now ?? Date.now)() / 1000);
  }
}

/**
 * When a request stops taking approvals (its expiry), Unix seconds: the `not_after` of
 * every approval of it.
 *
 * @example
 * ```ts
 * const notAfter = expirySeconds(row);
 * ```
 */
export function expirySeconds(row: MintRequest): number {
  return Math.floor(row.expiresAt.getTime() / 1000);
}

/**
 * The 404 for an unknown request (or one the caller may not see).
 *
 * @example
 * ```ts
 * if (!row) throw unknownRequest();
 * ```
 */
export function unknownRequest(): FrostmintError {
  return new FrostmintError('request_not_found', 'no such request (or not yours)');
}
