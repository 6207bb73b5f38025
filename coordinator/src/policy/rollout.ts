import {
  encodePolicyBundle,
  FrostmintError,
  type GroupConfig,
  openPolicyHolder,
  type PolicyBundle,
  type PolicyEngine,
  type PolicyHolder,
  parsePolicyBundle,
  policyApproversOf,
  UnavailableError,
  writeInstalledBundle,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import type { SignerPool } from '../signing/signer-pool.ts';

/** Deadline of one signer's `UpdatePolicy` (it loads the wasm before answering). */
const UPDATE_DEADLINE_MS = 15_000;

export interface PolicyRolloutOptions {
  readonly files: { wasm: string; data: string };
  readonly stateDir: string;
  /** The signed group configuration; its guardians approve bundles. */
  readonly group: GroupConfig | undefined;
  readonly pool: SignerPool;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** How often signers enforcing another policy are sent the one in force. */
  readonly reconcileIntervalMs?: number;
}

/** What `submit` did, per signer and overall. */
export interface RolloutResult {
  readonly policy: string;
  readonly previous: string;
  readonly changed: boolean;
  readonly signers: { id: number; policy?: string; changed?: boolean; error?: string }[];
}

/**
 * Rolls a guardian-approved policy bundle out: the coordinator verifies it, every signer
 * verifies and installs it itself, and only when a signing quorum enforces it does the
 * coordinator switch, so every token it builds from then on names a policy the signers
 * hold. Tokens built just before the switch still complete: signers keep the replaced
 * policy for a grace period. A signer that missed the rollout (down, unreachable) is sent
 * the bundle when it is next seen.
 *
 * @example
 * ```ts
 * const rollout = await PolicyRollout.open({ files, stateDir, group, pool, log });
 * const result = await rollout.submit(JSON.parse(bundleJson));
 * mints.evaluate(rollout.current, input);
 * ```
 */
export class PolicyRollout {
  readonly #timer: NodeJS.Timeout;
  #reconciling = false;

  private constructor(
    private readonly holder: PolicyHolder,
    private readonly options: PolicyRolloutOptions,
  ) {
    this.live = {
      get id() {
        return holder.current.id;
      },
      evaluate: (input) => holder.current.evaluate(input),
      evaluateEnrollment: (input) => holder.current.evaluateEnrollment(input),
    };
    this.#timer = setInterval(() => void this.reconcile(), options.reconcileIntervalMs ?? 10_000);
    this.#timer.unref();
  }

  static async open(options: PolicyRolloutOptions): Promise<PolicyRollout> {
    const holder = await openPolicyHolder({
      files: options.files,
      stateDir: options.stateDir,
      approvers: () => policyApproversOf(options.group),
      log: options.log,
    });
    return new PolicyRollout(holder, options);
  }

  /** The policy every new mint is decided and built under. */
  get current(): PolicyEngine {
    return this.holder.current;
  }

  /**
   * A `PolicyEngine` that always evaluates under the policy in force (for components that
   * hold an engine for their lifetime). Read `id` and evaluate close together: a rollout
   * can switch between two calls, and signers then judge the token by the id it names.
   */
  readonly live: PolicyEngine;

  /** The signed bundle in force, or undefined while the configured files are. */
  get bundle(): PolicyBundle | undefined {
    return this.holder.bundle;
  }

  /**
   * Verifies a signed bundle (parsed JSON), installs it on every signer, and switches the
   * coordinator once at least `threshold` signers enforce it. Throws
   * `policy_bundle_invalid` (400), `policy_bundle_rejected` (403) or
   * `policy_rollout_incomplete` (503, the coordinator keeps its policy).
   */
  async submit(json: unknown): Promise<RolloutResult> {
    const { log, metrics } = this.options;
    try {
      const bundle = parsePolicyBundle(json);
      const engine = await this.holder.verify(bundle);
      const previous = this.holder.current.id;
      const signers = await this.#pushToSigners(bundle);
      const enforcing = signers.filter((s) => s.policy === engine.id).length;
      const threshold = this.options.group?.threshold ?? Number.POSITIVE_INFINITY;
      if (enforcing < threshold) {
        throw new UnavailableError(
          'policy_rollout_incomplete',
          `only ${enforcing} signer(s) installed policy ${engine.id}, ${threshold} needed: ` +
            `the coordinator keeps ${previous}; submit again when the signers are reachable ` +
            `(${signers.map((s) => `signer ${s.id}: ${s.error ?? 'ok'}`).join('; ')})`,
        );
      }
      if (engine.id !== previous) await writeInstalledBundle(this.options.stateDir, bundle);
      const changed = this.holder.install(engine, bundle);
      log.warn({ policy: engine.id, previous, signers }, 'policy bundle rolled out');
      metrics?.policyBundles.inc({ outcome: 'installed' });
      return { policy: engine.id, previous, changed, signers };
    } catch (err) {
      const outcome = err instanceof FrostmintError ? err.code : 'internal';
      metrics?.policyBundles.inc({ outcome });
      log.error({ code: outcome, reason: (err as Error).message }, 'policy bundle not installed');
      throw err;
    }
  }

  /** Sends the bundle in force to every signer that reports enforcing another policy. */
  async reconcile(): Promise<void> {
    const bundle = this.holder.bundle;
    if (!bundle || this.#reconciling) return;
    this.#reconciling = true;
    try {
      const { pool, log } = this.options;
      const stale = await Promise.all(
        pool.ids().map(async (id) => {
          const info = await pool.call(id, 'info', {}).catch(() => undefined);
          return info?.ready && info.policyId !== this.current.id ? id : undefined;
        }),
      );
      const ids = stale.filter((id) => id !== undefined);
      if (ids.length === 0) return;
      log.warn({ signers: ids, policy: this.current.id }, 'sending the policy in force to signers');
      await this.#pushToSigners(bundle, ids);
    } finally {
      this.#reconciling = false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #pushToSigners(
    bundle: PolicyBundle,
    ids = this.options.pool.ids(),
  ): Promise<RolloutResult['signers']> {
    const encoded = Buffer.from(encodePolicyBundle(bundle));
    return Promise.all(
      ids.map(async (id) => {
        try {
          const res = await this.options.pool.call(
            id,
            'updatePolicy',
            { bundle: encoded },
            UPDATE_DEADLINE_MS,
          );
          return { id, policy: res.policyId, changed: res.changed };
        } catch (err) {
          const error = err instanceof FrostmintError ? err.code : 'internal';
          this.options.log.error(
            { signer: id, code: error, reason: (err as Error).message },
            'signer did not install the policy bundle',
          );
          return { id, error };
        }
      }),
    );
  }
}
