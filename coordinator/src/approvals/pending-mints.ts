import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type ApprovalRelyingParty,
  type EnrollmentApprovalSubject,
  ForbiddenError,
  FrostmintError,
  type GuardianKey,
  guardianApprovalInput,
  type MintApprovalWire,
  mintApprovalSubject,
  signingInput,
  UnavailableError,
  verifyGuardianApprovals,
  verifyGuardianSignature,
  type WebAuthnApprovalWire,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ApprovedMint, MintResponse } from '../mint.ts';
import type { CoordinatorStore, MintRequest } from '../storage/index.ts';
import {
  decodePending,
  encodePending,
  maybePending,
  type PendingRecord,
  requestToken,
} from './record.ts';
import { approvable, enrollmentOf, requestSubject } from './subject.ts';
import type { PendingMint, PendingMintInput, PendingMintSink } from './types.ts';
import { decodeProof, encodeProof } from './web/proof.ts';

type StoredApprovals = Awaited<ReturnType<CoordinatorStore['approvals']['listByRequest']>>;
/**
 * How long a mint waits for its approvals (and an approval stays valid), in seconds, unless
 * configured (`approvalWindowSeconds`).
 */
export const DEFAULT_APPROVAL_WINDOW_SECONDS = 1800;
/** Longest `?wait=` a poll may hold the connection, in seconds. */
export const MAX_POLL_WAIT_SECONDS = 60;

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

/** Where a poll stands (HTTP 202) while the request waits. */
export interface PollStatus {
  readonly request_id: string;
  readonly status: 'pending' | 'approved';
  readonly approved_by: string[];
  readonly required_approvals: number;
  readonly expires_in: number;
}

export interface PendingMintsOptions {
  readonly store: CoordinatorStore;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** The guardians of the group configuration (empty: nothing can be approved). */
  readonly guardians: readonly GuardianKey[];
  /** The coordinator's WebAuthn relying party: WebAuthn approvals are refused without it. */
  readonly rp?: ApprovalRelyingParty;
  /** Resumes an approved mint (the mint service's `mintApproved`). */
  readonly mint: (
    requester: PendingRecord['requester'],
    body: PendingRecord['body'],
    approved: ApprovedMint,
  ) => Promise<MintResponse>;
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
 * Mints that wait for guardian approvals, persisted in the coordinator store so any
 * coordinator can take an approval or finish the mint: created when policy's only objection
 * is missing approvals, approved or denied by guardians (each answer verified against the
 * group's guardian keys before it is stored; a guardian counts once), and finished by the
 * requester's poll once enough guardians approved. Exactly one poll mints (compare-and-set
 * pending → approved → minted); a failed mint ends the request (denied), never retried
 * with the same approvals. Engineers' two-step WebAuthn requests share the same pending
 * list, approvals and denials; once their count is reached they go on to the tap instead of
 * a poll (`onEnoughApprovals`, `coordinator/src/requests/approved-tap.ts`). Enrollments
 * whose policy requires approvals share them too (kind `enrollment`, subject and domain from
 * `./subject.ts`), then go on to the registration tap
 * (`coordinator/src/requests/enrollment-approvals.ts`).
 *
 * @example
 * ```ts
 * const pending = new PendingMints({ store, audit, log, guardians, mint: (r, b, a) => mints.mintApproved(r, b, a) });
 * ```
 */
export class PendingMints implements PendingMintSink {
  readonly #listeners: ((id: string) => Promise<unknown>)[] = [];

  constructor(private readonly options: PendingMintsOptions) {}

  /** How long a request waits for its approvals, in seconds. */
  get windowSeconds(): number {
    return this.options.windowSeconds ?? DEFAULT_APPROVAL_WINDOW_SECONDS;
  }

  /**
   * Calls `listener` with the id of a request of another flow (the WebAuthn two-step mint)
   * once an approval brought it to its required count. A failing listener is logged: the
   * approval stands, and the flow can pick the request up again when it is next read.
   */
  onEnoughApprovals(listener: (id: string) => Promise<unknown>): void {
    this.#listeners.push(listener);
  }

  /**
   * Every stored approval of `row`, verified over its token (they were verified when
   * submitted; this is the coordinator's check before it hands them to the signers).
   * Throws `approval_invalid` / `approval_expired`.
   */
  async verifiedApprovals(row: MintRequest): Promise<VerifiedApprovals> {
    const approvals = this.#wires(row, await this.options.store.approvals.listByRequest(row.id));
    const approvedBy = await this.#verify(row, approvals);
    return { approvals, approvedBy };
  }

  /** Who approved request `id` so far (guardian names, or kids of unknown keys), oldest first. */
  async approvers(id: string): Promise<string[]> {
    return this.#names(await this.options.store.approvals.listByRequest(id));
  }

  async create(input: PendingMintInput): Promise<PendingMint> {
    const now = this.#now();
    const id = randomBytes(16).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    // A request cannot outlive its evidence: signers refuse an expired ID token.
    const expiresAt = Math.min(
      now + this.windowSeconds,
      input.requester.evidenceExpiresAt ?? Number.POSITIVE_INFINITY,
    );
    const ttl = input.claims.exp - input.claims.iat;
    await this.options.store.mintRequests.create({
      id,
      requester: input.requester.subject,
      kind: 'token',
      signingInput: signingInput(input.header, input.claims),
      claims: JSON.parse(JSON.stringify(input.claims)),
      decision: JSON.parse(JSON.stringify(input.decision)),
      justification: input.request.justification ?? null,
      requiredApprovals: input.decision.required_approvals,
      createdAt: new Date(now * 1000),
      expiresAt: new Date(expiresAt * 1000),
      evidence: encodePending(input.requester, input.request, input.header, ttl, sha256(secret)),
    });
    this.options.log.info(
      { requestId: id, sub: input.requester.subject, required: input.decision.required_approvals },
      'mint waits for guardian approvals',
    );
    return {
      request_id: id,
      status: 'pending',
      request_secret: secret,
      required_approvals: input.decision.required_approvals,
      expires_at: expiresAt,
      approval_subject: mintApprovalSubject(input.header, input.claims, expiresAt),
    };
  }

  /**
   * Pending, unexpired token requests and enrollments waiting for approvals, oldest first,
   * as guardians review them.
   */
  async listPending(): Promise<(PendingView | PendingEnrollmentView)[]> {
    const rows = await this.options.store.mintRequests.listPending(100);
    const views: (PendingView | PendingEnrollmentView)[] = [];
    for (const row of rows) {
      if (!approvable(row) || (row.kind !== 'token' && row.status !== 'pending')) continue;
      views.push(await this.#view(row));
    }
    return views;
  }

  /** One pending, unexpired request as guardians review it (`request_not_pending` else). */
  async pendingView(id: string): Promise<PendingView | PendingEnrollmentView> {
    return this.#view(await this.#pendingRow(id));
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
    const row = await this.#pendingRow(id);
    await this.#verify(row, [this.#wire(row, answer)]);
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
    if (count >= row.requiredApprovals && maybePending(row) === undefined) {
      for (const listener of this.#listeners) {
        await listener(id).catch((err: unknown) =>
          this.options.log.warn({ err, requestId: id }, 'could not advance the approved request'),
        );
      }
    }
    return { approvals: count, required: row.requiredApprovals };
  }

  /** A guardian's refusal (signed with the denial domain): the request ends, denied. */
  async deny(id: string, answer: GuardianAnswer): Promise<void> {
    const row = await this.#pendingRow(id);
    const guardian = this.options.guardians.find((g) => g.approvalKey.kid === answer.guardianKid);
    const { kind, subjectAt } = requestSubject(row, this.options.rp);
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

  /**
   * The requester's poll: waits up to `waitSeconds` for the approvals, then mints (200
   * with the token, exactly once) or says where the request stands (202) — at the
   * deadline, or as soon as another guardian approved. Unknown id and
   * wrong secret both answer `request_unknown` (404).
   */
  async poll(id: string, secret: string, waitSeconds: number): Promise<MintResponse | PollStatus> {
    const deadline = Date.now() + Math.min(waitSeconds, MAX_POLL_WAIT_SECONDS) * 1000;
    let seen: number | undefined;
    for (;;) {
      const row = await this.options.store.mintRequests.get(id);
      if (row?.kind !== 'token' || !secretMatches(row, secret)) throw unknownRequest();
      const approvals = await this.options.store.approvals.listByRequest(id);
      const expiresIn = expirySeconds(row) - this.#now();
      if (row.status === 'denied') {
        throw new ForbiddenError(
          'request_denied',
          `the request was denied: ${row.statusReason ?? 'no reason given'}`,
        );
      }
      if (row.status === 'minted') {
        throw new FrostmintError('request_already_minted', 'this request was minted already');
      }
      if (row.status === 'expired' || (row.status === 'pending' && expiresIn < 0)) {
        if (row.status === 'pending') {
          await this.options.store.mintRequests.expireOverdue();
        }
        throw new FrostmintError(
          'request_expired',
          'the request expired before enough guardians approved',
        );
      }
      if (row.status === 'pending' && approvals.length >= row.requiredApprovals) {
        const claimed = await this.options.store.mintRequests.transition(
          id,
          'pending',
          'approved',
          new Date(this.#now() * 1000),
        );
        if (claimed) return this.#finish(claimed, approvals);
      }
      // Answer at the deadline, or early when a guardian approved, so the requester sees it.
      seen ??= approvals.length;
      if (Date.now() >= deadline || approvals.length !== seen) {
        return {
          request_id: id,
          status: row.status === 'approved' ? 'approved' : 'pending',
          approved_by: this.#names(approvals),
          required_approvals: row.requiredApprovals,
          expires_in: Math.max(0, expiresIn),
        };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Stored approvals as the wire form they were verified in (with any WebAuthn proof). */
  #wires(row: MintRequest, approvals: StoredApprovals): MintApprovalWire[] {
    return approvals.map((a) =>
      this.#wire(row, {
        guardianKid: a.guardianId,
        signature: a.signature,
        ...(a.webauthn ? { webauthn: decodeProof(a.webauthn) } : {}),
      }),
    );
  }

  async #finish(row: MintRequest, approvals: StoredApprovals): Promise<MintResponse> {
    const pending = decodePending(row);
    const wire = this.#wires(row, approvals);
    try {
      const minted = await this.options.mint(pending.requester, pending.body, {
        jti: pending.claims.jti,
        ttl: pending.ttl,
        approvals: wire,
        guardians: this.options.guardians,
        rp: this.options.rp,
      });
      await this.options.store.mintRequests.transition(
        row.id,
        'approved',
        'minted',
        new Date(this.#now() * 1000),
      );
      return minted;
    } catch (err) {
      const reason = err instanceof FrostmintError ? err.code : 'internal';
      // Fail closed: the request ends; its approvals are never presented again.
      await this.options.store.mintRequests
        .transition(
          row.id,
          'approved',
          'denied',
          new Date(this.#now() * 1000),
          `mint failed: ${reason}`,
        )
        .catch(() => {});
      throw err;
    }
  }

  /** The approvals of `row` verified over its subject (mint or enrollment). */
  #verify(row: MintRequest, approvals: readonly MintApprovalWire[]): Promise<string[]> {
    const { kind, subjectAt } = requestSubject(row, this.options.rp);
    return verifyGuardianApprovals(
      approvals,
      kind,
      subjectAt,
      this.options.guardians,
      this.#now(),
      this.options.rp,
    );
  }

  async #pendingRow(id: string): Promise<MintRequest> {
    const row = await this.options.store.mintRequests.get(id);
    if (!row || !approvable(row)) throw unknownRequest();
    if (row.status !== 'pending' || expirySeconds(row) < this.#now()) {
      throw new FrostmintError('request_not_pending', `the request is ${row.status}, not pending`);
    }
    if (this.options.guardians.length === 0) {
      throw new UnavailableError(
        'guardians_missing',
        'this group has no guardians: nothing can be approved',
      );
    }
    return row;
  }

  async #view(row: MintRequest): Promise<PendingView | PendingEnrollmentView> {
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
    const enrollment = enrollmentOf(row);
    if (enrollment) {
      const { subjectAt } = requestSubject(row, this.options.rp);
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
    const { header, claims } = requestToken(row);
    const pending = maybePending(row);
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

  #names(approvals: readonly { guardianId: string }[]): string[] {
    return approvals.map((a) => this.#guardianName(a.guardianId) ?? a.guardianId);
  }

  #guardianName(kid: string): string | null {
    return this.options.guardians.find((g) => g.approvalKey.kid === kid)?.name ?? null;
  }

  #now(): number {
    return Math.floor((this.options.now ?? Date.now)() / 1000);
  }
}

function expirySeconds(row: MintRequest): number {
  return Math.floor(row.expiresAt.getTime() / 1000);
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function secretMatches(row: MintRequest, secret: string): boolean {
  const pending = maybePending(row);
  if (!pending) return false;
  return timingSafeEqual(
    Buffer.from(pending.secretSha256, 'hex'),
    Buffer.from(sha256(secret), 'hex'),
  );
}

function unknownRequest(): FrostmintError {
  return new FrostmintError('request_not_found', 'no such request (or not yours)');
}
