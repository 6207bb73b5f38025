import {
  decodePolicyBundle,
  type GroupConfig,
  openPolicyHolder,
  type PolicyFilesSchema,
  type PolicyHolder,
  policyApproversOf,
  writeInstalledBundle,
} from '@frostmint/core';
import type { UpdatePolicyRequest, UpdatePolicyResponse } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { z } from 'zod';

export interface SignerPolicyOptions {
  readonly files: z.infer<typeof PolicyFilesSchema>;
  readonly stateDir: string;
  /** The group configuration in force; its guardians approve bundles. */
  readonly group: () => GroupConfig | undefined;
  readonly log: Logger;
  /** How long a replaced policy still signs tokens that name it. */
  readonly graceMs: number;
}

/**
 * The policy a signer enforces: the configured files, replaced at run time by bundles the
 * group's guardians approved (verified here, never on the coordinator's word), persisted
 * in the state directory so a restart keeps them. A rejected bundle leaves the old policy
 * running and is logged at error level.
 *
 * @example
 * ```ts
 * const policy = await SignerPolicy.open({ files: config.policy, stateDir, group, log, graceMs });
 * const engine = policy.holder.resolve(claims.frostmint.policy);
 * ```
 */
export class SignerPolicy {
  private constructor(
    readonly holder: PolicyHolder,
    private readonly options: SignerPolicyOptions,
  ) {}

  static async open(options: SignerPolicyOptions): Promise<SignerPolicy> {
    const holder = await openPolicyHolder({
      ...options,
      approvers: () => policyApproversOf(options.group()),
    });
    return new SignerPolicy(holder, options);
  }

  /** `UpdatePolicy`: verify, persist, then switch; idempotent for the policy in force. */
  async update(req: UpdatePolicyRequest): Promise<UpdatePolicyResponse> {
    const bundle = decodePolicyBundle(req.bundle);
    const previous = this.holder.current.id;
    const engine = await this.holder.verify(bundle);
    if (engine.id !== previous) await writeInstalledBundle(this.options.stateDir, bundle);
    const changed = this.holder.install(engine, bundle);
    if (changed) this.options.log.warn({ policy: engine.id, previous }, 'policy bundle installed');
    return { policyId: engine.id, changed };
  }
}
