import { createHash, type JsonWebKey } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { ForbiddenError } from '../errors.ts';
import { parsePolicyData } from './data.ts';
import { loadPolicyEngine, type PolicyEngine, policyId } from './engine.ts';

/** A guardian's approval key as pinned in the group configuration (EC P-256 JWK). */
export interface GuardianApprovalKey {
  readonly guardian: string;
  readonly jwk: JsonWebKey;
}

/** One guardian's signature (ECDSA P-256, r ‖ s) over a policy bundle's approval digest. */
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
 * What a guardian signs to approve a policy: SHA-256 of `"frostmint/policy-bundle/v1\0" ‖
 * policy id` (the id already covers wasm and data). A PKCS#11 ECDSA key signs this digest.
 *
 * @example
 * ```ts
 * const signature = await token.sign(approvalKey, policyApprovalDigest(engine.id));
 * ```
 */
export function policyApprovalDigest(id: string): Buffer {
  return createHash('sha256').update(`frostmint/policy-bundle/v1\0${id}`).digest();
}

/**
 * Holds the policy in force and swaps it atomically for a new bundle only when at least
 * `threshold` distinct pinned guardians approved that exact bundle. A rejected bundle
 * leaves the old policy running and is reported through `onRejected`.
 *
 * @example
 * ```ts
 * const holder = new PolicyHolder(engine, { guardians, threshold: 2, onRejected: (e) => log.error(e) });
 * await holder.update({ wasm, data, approvals });
 * holder.current.evaluate(input);
 * ```
 */
export class PolicyHolder {
  #current: PolicyEngine;

  constructor(
    initial: PolicyEngine,
    private readonly options: {
      guardians: readonly GuardianApprovalKey[];
      threshold: number;
      onRejected?: (error: ForbiddenError) => void;
    },
  ) {
    this.#current = initial;
  }

  get current(): PolicyEngine {
    return this.#current;
  }

  /** Verifies and installs `bundle`; throws `policy_bundle_rejected` (the old policy stays). */
  async update(bundle: PolicyBundle): Promise<PolicyEngine> {
    try {
      const id = policyId(bundle.wasm, parsePolicyData(bundle.data));
      this.#checkApprovals(id, bundle.approvals);
      const engine = await loadPolicyEngine({ wasm: bundle.wasm, data: bundle.data });
      this.#current = engine;
      return engine;
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

  #checkApprovals(id: string, approvals: readonly BundleApproval[]): void {
    const digest = policyApprovalDigest(id);
    const approvedBy = new Set<string>();
    for (const approval of approvals) {
      const key = this.options.guardians.find((g) => g.guardian === approval.guardian);
      if (key && verifiesDigest(key.jwk, digest, approval.signature)) approvedBy.add(key.guardian);
    }
    if (approvedBy.size < this.options.threshold) {
      throw new ForbiddenError(
        'policy_bundle_rejected',
        `policy ${id} carries ${approvedBy.size} valid guardian approval(s); ${this.options.threshold} are required`,
      );
    }
  }
}

/** ECDSA P-256 over a precomputed SHA-256 digest (what PKCS#11 `CKM_ECDSA` signs), r ‖ s. */
function verifiesDigest(jwk: JsonWebKey, digest: Buffer, signature: Uint8Array): boolean {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y || signature.length !== 64)
    return false;
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
  try {
    return p256.verify(signature, digest, point, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}
