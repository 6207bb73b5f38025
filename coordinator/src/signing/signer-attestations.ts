import { randomBytes, X509Certificate } from 'node:crypto';
import {
  type AttestationVerdict,
  AttestationVerifier,
  evidenceFromWire,
  FrostmintError,
  policyVerdict,
  StateLog,
  verdictErrorCode,
  verdictProblem,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import type { CoordinatorAttestationConfig } from './attestation-config.ts';
import type { SignerPool } from './signer-pool.ts';

export {
  type CoordinatorAttestationConfig,
  CoordinatorAttestationConfigSchema,
} from './attestation-config.ts';

/** One signer's latest attestation, as `/readyz` shows it. */
export interface SignerAttestationStatus {
  readonly id: number;
  /** `snp`, `none`, or `unknown` before the first answer. */
  readonly kind: 'snp' | 'none' | 'unknown';
  readonly verified: boolean;
  /** Verified and younger than `maxAgeMs`: may take part when policy requires attestation. */
  readonly fresh: boolean;
  /** When the last attempt ended (ISO 8601), if any. */
  readonly checked_at: string | null;
  readonly product?: string;
  readonly measurement?: string;
  readonly policy_id?: string;
  /** Why the last attempt did not verify. */
  readonly problem?: string;
}

interface Entry {
  kind: SignerAttestationStatus['kind'];
  verdict?: AttestationVerdict;
  verifiedAt: number;
  checkedAt: number;
  /** When the next attempt is due; 0 = as soon as the signer is reachable. */
  dueAt: number;
  policyId?: string;
  problem?: string;
  inFlight: boolean;
}

/**
 * Attests every signer when it is first reached and then every `intervalMs` (fresh random
 * nonce each time), verifies the evidence with core's verifier against the configured trust
 * anchors and requirements, binding it to the TLS key the signer presented on that very
 * connection and to the policy id this coordinator enforces, and keeps the verdict. A
 * failure is logged at error level and excludes the signer from mints whose policy
 * requires signer attestation.
 *
 * @example
 * ```ts
 * const attestations = new SignerAttestations(pool, verifier, { intervalMs, policyId: () => engine.id, log });
 * attestations.start();
 * attestations.isFresh(2); // true once signer 2's evidence verified
 * ```
 */
export class SignerAttestations {
  readonly #pool: SignerPool;
  readonly #verifier: AttestationVerifier;
  readonly #intervalMs: number;
  readonly #maxAgeMs: number;
  readonly #policyId: () => string;
  readonly #states: StateLog;
  readonly #metrics: Metrics | undefined;
  readonly #now: () => number;
  readonly #entries = new Map<number, Entry>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    pool: SignerPool,
    verifier: AttestationVerifier,
    options: {
      intervalMs: number;
      maxAgeMs?: number;
      policyId: () => string;
      log: Logger;
      metrics?: Metrics;
      now?: () => number;
    },
  ) {
    this.#pool = pool;
    this.#verifier = verifier;
    this.#intervalMs = options.intervalMs;
    this.#maxAgeMs = options.maxAgeMs ?? 2 * options.intervalMs;
    this.#policyId = options.policyId;
    this.#states = new StateLog(options.log, options.now ? { now: options.now } : {});
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
    for (const id of pool.ids()) {
      this.#entries.set(id, {
        kind: 'unknown',
        verifiedAt: 0,
        checkedAt: 0,
        dueAt: 0,
        inFlight: false,
      });
    }
  }

  /**
   * Builds the verifier from configuration.
   *
   * @example
   * ```ts
   * const attestations = await SignerAttestations.fromConfig(pool, config.attestation, { policyId, log });
   * ```
   */
  static async fromConfig(
    pool: SignerPool,
    config: CoordinatorAttestationConfig,
    options: { policyId: () => string; log: Logger; metrics?: Metrics },
  ): Promise<SignerAttestations> {
    const verifier = await AttestationVerifier.fromConfig(config.verifier);
    return new SignerAttestations(pool, verifier, {
      intervalMs: config.intervalMs,
      ...(config.maxAgeMs ? { maxAgeMs: config.maxAgeMs } : {}),
      ...options,
    });
  }

  /** Attests every due signer now, then checks every `checkEveryMs` which are due. */
  async start(checkEveryMs = Math.min(this.#intervalMs, 2_000)): Promise<void> {
    this.#timer = setInterval(() => void this.attestDue(), checkEveryMs);
    this.#timer.unref();
    await this.attestDue();
  }

  /** Attests the signers whose verdict is missing or due for renewal. */
  async attestDue(): Promise<void> {
    const now = this.#now();
    await Promise.all(
      [...this.#entries]
        .filter(([, e]) => !e.inFlight && e.dueAt <= now)
        .map(([id]) => this.attest(id)),
    );
  }

  /**
   * Attests one signer now: fresh 32-byte nonce, `Attest` RPC, verification. Never throws.
   *
   * @example
   * ```ts
   * await attestations.attest(3);
   * ```
   */
  async attest(id: number): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.inFlight = true;
    try {
      const nonce = randomBytes(32);
      const { res, peerCertificate } = await this.#pool.callWithPeer(id, 'attest', { nonce });
      if (!peerCertificate?.raw) throw new Error('no TLS peer certificate on the connection');
      const tlsSpki = new X509Certificate(peerCertificate.raw).publicKey.export({
        type: 'spki',
        format: 'der',
      });
      const policyId = this.#policyId();
      const evidence = evidenceFromWire(
        res.evidence ?? {
          kind: 'none',
          report: new Uint8Array(0),
          certificates: new Uint8Array(0),
        },
      );
      const verdict = await this.#verifier.verify(evidence, { nonce, tlsSpki, policyId });
      const mismatch = res.policyId !== policyId;
      const problem = mismatch
        ? `the signer runs policy ${res.policyId.slice(0, 80)}, this coordinator enforces ${policyId}`
        : verdictProblem(verdict);
      this.#record(id, entry, {
        kind: evidence.kind,
        verdict: { ...policyVerdict(verdict), verified: problem === undefined },
        policyId: res.policyId,
        problem,
        outcome: mismatch
          ? 'attestation_policy_mismatch'
          : (verdictErrorCode(verdict) ?? 'verified'),
      });
    } catch (err) {
      this.#record(id, entry, {
        kind: entry.kind,
        problem: (err as Error).message,
        outcome: err instanceof FrostmintError ? err.code : 'error',
        // Not reached (yet): attest as soon as it answers, i.e. "when connecting".
        unreachable: err instanceof FrostmintError && err.status === 503,
      });
    } finally {
      entry.inFlight = false;
    }
  }

  /** True when signer `id` has a verified verdict younger than `maxAgeMs`. */
  isFresh(id: number, now = this.#now()): boolean {
    const e = this.#entries.get(id);
    return !!e?.verdict?.verified && now - e.verifiedAt <= this.#maxAgeMs;
  }

  /** Ids of the signers with a fresh verified verdict. */
  freshIds(now = this.#now()): number[] {
    return [...this.#entries.keys()].filter((id) => this.isFresh(id, now));
  }

  /**
   * The `signer_attestation` policy input for a quorum of `threshold`: verified when at
   * least `threshold` signers have a fresh verified verdict (only they may take part), with
   * product, measurement and TCB when all of them agree on it.
   *
   * @example
   * ```ts
   * const input = mintPolicyInput({ ...facts, signerAttestation: attestations.quorumVerdict(2) });
   * ```
   */
  quorumVerdict(threshold: number, now = this.#now()): AttestationVerdict {
    const verdicts = this.freshIds(now).map((id) => this.#entries.get(id)!.verdict!);
    if (verdicts.length < threshold) return { verified: false };
    const common = <K extends 'product' | 'measurement' | 'tcb'>(key: K) => {
      const first = JSON.stringify(verdicts[0]![key]);
      return verdicts.every((v) => JSON.stringify(v[key]) === first) &&
        verdicts[0]![key] !== undefined
        ? { [key]: verdicts[0]![key] }
        : {};
    };
    return { verified: true, ...common('product'), ...common('measurement'), ...common('tcb') };
  }

  /** Every signer's latest attestation, for `/readyz`. */
  status(now = this.#now()): SignerAttestationStatus[] {
    return [...this.#entries].map(([id, e]) => ({
      id,
      kind: e.kind,
      verified: !!e.verdict?.verified,
      fresh: this.isFresh(id, now),
      checked_at: e.checkedAt ? new Date(e.checkedAt).toISOString() : null,
      ...(e.verdict?.product ? { product: e.verdict.product } : {}),
      ...(e.verdict?.measurement ? { measurement: e.verdict.measurement } : {}),
      ...(e.policyId ? { policy_id: e.policyId } : {}),
      ...(e.problem ? { problem: e.problem } : {}),
    }));
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #record(
    id: number,
    entry: Entry,
    r: {
      kind: Entry['kind'];
      verdict?: AttestationVerdict;
      policyId?: string;
      problem: string | undefined;
      outcome: string;
      unreachable?: boolean;
    },
  ): void {
    const now = this.#now();
    entry.kind = r.kind;
    entry.checkedAt = now;
    entry.problem = r.problem;
    entry.policyId = r.policyId;
    // A failed attempt revokes the previous verdict: evidence that no longer verifies counts as none.
    entry.verdict = r.verdict;
    if (r.verdict?.verified) entry.verifiedAt = now;
    entry.dueAt = r.unreachable ? 0 : now + this.#intervalMs;
    this.#metrics?.signerAttestations.inc({ signer: String(id), outcome: r.outcome });
    this.#metrics?.signerAttested.set({ signer: String(id) }, r.verdict?.verified ? 1 : 0);
    // Logged when a signer's state changes, then as a reminder with a count: an unreachable
    // signer is re-tried every tick and would otherwise repeat the line every 2 s.
    const key = `signer-attestation:${id}`;
    if (r.problem === undefined) {
      this.#states.report(
        key,
        'verified',
        'info',
        { signer: id, verdict: r.verdict },
        'signer attestation verified',
      );
    } else if (r.outcome === 'attestation_missing') {
      this.#states.report(
        key,
        'missing',
        'warn',
        { signer: id },
        'signer cannot attest (attester "none")',
      );
    } else if (r.unreachable) {
      this.#states.report(
        key,
        'unreachable',
        'warn',
        { signer: id, problem: r.problem },
        'signer not reachable for attestation',
      );
    } else {
      this.#states.report(
        key,
        `failed:${r.outcome}`,
        'error',
        { signer: id, outcome: r.outcome, problem: r.problem },
        'SIGNER ATTESTATION FAILED: excluded from mints that require signer attestation',
      );
    }
  }
}
