import { type GuardianSet, verifyGuardianSignature } from '../ceremony/guardian-key.ts';
import { ForbiddenError } from '../errors.ts';
import { parsePolicyData } from './data.ts';
import { loadPolicyEngine, type PolicyEngine, policyId } from './engine.ts';

/**
 * One guardian's approval of a policy bundle: `guardian` is the RFC 7638 thumbprint of the
 * approval key, `signature` ES256 (r ‖ s) over SHA-256 of `policyApprovalInput(id)`.
 */
export interface BundleApproval {
  readonly guardian: string;
  readonly signature: Uint8Array;
}

/** A candidate policy: compiled wasm, data, and the guardians' approvals of its id. */
export interface PolicyBundle {
  readonly wasm: Uint8Array;
  readonly data: unknown;
  readonly approvals: readonly BundleApproval[];
}

/**
 * What a guardian signs to approve a policy: `"frostmint/policy-bundle/v1\0" ‖ policy id`
 * (the id already covers wasm and data). A PKCS#11 approval key signs SHA-256 of it.
 *
 * @example
 * ```ts
 * const digest = createHash('sha256').update(policyApprovalInput(engine.id)).digest();
 * const signature = await token.sign(approvalKey, digest);
 * ```
 */
export function policyApprovalInput(id: string): Buffer {
  return Buffer.from(`frostmint/policy-bundle/v1\0${id}`);
}

export interface PolicyHolderOptions {
  /**
   * The approvers in force, asked at each update (the group configuration can change).
   * Undefined means bundle updates are disabled: every bundle is rejected.
   */
  readonly approvers: () => GuardianSet | undefined;
  /**
   * How long the replaced policy still answers `resolve` after an update, so tokens built
   * under it just before the switch still complete. Default 60 s.
   */
  readonly graceMs?: number;
  readonly now?: () => number;
  /** Called with every rejection, before it is thrown: report it loudly. */
  readonly onRejected?: (error: ForbiddenError) => void;
}

/**
 * Holds the policy in force and swaps it atomically for a new bundle only when at least
 * `threshold` distinct pinned guardians approved that exact bundle. A rejected bundle
 * leaves the old policy running and is reported through `onRejected`. The replaced policy
 * stays resolvable by id for a grace period (see `resolve`).
 *
 * @example
 * ```ts
 * const holder = new PolicyHolder(engine, { approvers: () => policyApproversOf(group) });
 * await holder.update({ wasm, data, approvals });
 * holder.current.evaluate(input);
 * ```
 */
export class PolicyHolder {
  #current: PolicyEngine;
  #bundle: PolicyBundle | undefined;
  #previous: { engine: PolicyEngine; until: number } | undefined;
  readonly #now: () => number;

  constructor(
    initial: PolicyEngine,
    private readonly options: PolicyHolderOptions,
  ) {
    this.#current = initial;
    this.#now = options.now ?? Date.now;
  }

  get current(): PolicyEngine {
    return this.#current;
  }

  /** The signed bundle in force, or undefined while the configured files are. */
  get bundle(): PolicyBundle | undefined {
    return this.#bundle;
  }

  /**
   * The engine for a policy id a token names: the current one, or the one it replaced while
   * the grace period runs. Undefined for any other id.
   */
  resolve(id: string): PolicyEngine | undefined {
    if (id === this.#current.id) return this.#current;
    const previous = this.#previous;
    if (previous && previous.engine.id === id && this.#now() < previous.until) {
      return previous.engine;
    }
    return undefined;
  }

  /**
   * Verifies the approvals of `bundle` and loads it, without installing it. Throws
   * `policy_bundle_rejected` (reported through `onRejected`).
   */
  async verify(bundle: PolicyBundle): Promise<PolicyEngine> {
    try {
      const id = policyId(bundle.wasm, parsePolicyData(bundle.data));
      this.#checkApprovals(id, bundle.approvals);
      return await loadPolicyEngine({ wasm: bundle.wasm, data: bundle.data });
    } catch (cause) {
      const error =
        cause instanceof ForbiddenError && cause.code === 'policy_bundle_rejected'
          ? cause
          : new ForbiddenError(
              'policy_bundle_rejected',
              `policy bundle rejected: ${(cause as Error).message}`,
              { cause },
            );
      this.options.onRejected?.(error);
      throw error;
    }
  }

  /** Installs an engine `verify` returned; false when that policy was already in force. */
  install(engine: PolicyEngine, bundle: PolicyBundle): boolean {
    if (engine.id === this.#current.id) {
      this.#bundle = bundle;
      return false;
    }
    this.#previous = {
      engine: this.#current,
      until: this.#now() + (this.options.graceMs ?? 60_000),
    };
    this.#current = engine;
    this.#bundle = bundle;
    return true;
  }

  /** Verifies and installs `bundle`; throws `policy_bundle_rejected` (the old policy stays). */
  async update(bundle: PolicyBundle): Promise<{ engine: PolicyEngine; changed: boolean }> {
    const engine = await this.verify(bundle);
    return { engine, changed: this.install(engine, bundle) };
  }

  #checkApprovals(id: string, approvals: readonly BundleApproval[]): void {
    const approvers = this.options.approvers();
    if (!approvers || approvers.guardians.length === 0) {
      throw new ForbiddenError(
        'policy_bundle_rejected',
        'policy bundle updates need guardians in the group configuration; this group has none',
      );
    }
    const input = policyApprovalInput(id);
    const approvedBy = new Set<string>();
    for (const approval of approvals) {
      const guardian = approvers.guardians.find((g) => g.approvalKey.kid === approval.guardian);
      if (guardian && verifyGuardianSignature(guardian, input, approval.signature)) {
        approvedBy.add(guardian.approvalKey.kid);
      }
    }
    if (approvedBy.size < approvers.approvals) {
      throw new ForbiddenError(
        'policy_bundle_rejected',
        `policy ${id} carries ${approvedBy.size} valid guardian approval(s); ${approvers.approvals} are required`,
      );
    }
  }
}
