import type { ApprovalStage, ApprovedRequests } from '../approvals/gate.ts';
import { awaitTap } from './approved-tap.ts';
import type { RequestContext } from './context.ts';
import { awaitEnrollmentTap } from './enrollment-approvals.ts';
import type { StoredRequest } from './kinds.ts';

/**
 * What the approval gate does with a request whose approvals are in, by kind: a two-step
 * mint or an enrollment is fixed for its tap at once (every status read does the same); a
 * polled mint waits for its requester's poll; a renewal takes no approvals.
 *
 * @example
 * ```ts
 * const gate = new ApprovalGate({ …, approved: new ApprovedTaps(ctx) });
 * ```
 */
export class ApprovedTaps implements ApprovedRequests {
  constructor(private readonly ctx: RequestContext) {}

  async advance(request: StoredRequest, stage: ApprovalStage): Promise<unknown> {
    switch (request.kind) {
      case 'tap_mint':
        return awaitTap(this.ctx, stage, request);
      case 'enrollment':
        return awaitEnrollmentTap(this.ctx, stage, request);
      default:
        return undefined;
    }
  }
}
