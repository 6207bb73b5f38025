import type { GuardianKey } from '@frostmint/core';
import { ApprovalGate } from '../approvals/gate.ts';
import type { WebApprovalParts } from '../approvals/web/routes.ts';
import { webApprovalParts } from '../approvals/web/wire.ts';
import type { Metrics } from '../metrics.ts';
import { countedEngine, countedPolicy } from '../metrics-policy.ts';
import type { MintAttestation } from '../mint-attestation.ts';
import type { PolicyRollout } from '../policy/rollout.ts';
import type { RequestRoutes } from '../requests/routes.ts';
import { type FlowParts, webauthnFlows } from '../requests/wire.ts';
import type { TokenSigner } from '../signing/round-driver.ts';
import { MintService } from './one-step.ts';
import { MintPipeline } from './pipeline.ts';
import { PolledMints } from './polled.ts';

/** Every request flow of a coordinator with a group key, wired. */
export interface MintFlows {
  /** `POST /v1/mint`. */
  readonly mints: MintService;
  /** The approval gate and the polled mints waiting at it; absent without guardians. */
  readonly approvals?: { readonly gate: ApprovalGate; readonly polled: PolledMints };
  /** What the WebAuthn request routes serve (`webauthn` configured). */
  readonly requests?: RequestRoutes;
  /** What the guardian web approval pages serve (`webauthn` configured, and guardians). */
  readonly webApprovals?: WebApprovalParts;
  close(): void;
}

/**
 * Builds the one mint pipeline and its front ends — one-step (`POST /v1/mint`), polled (CI
 * and dev mints waiting for guardians), two-step WebAuthn, enrollment and renewal — with the
 * approval gate between them. Each part gets what it uses as a typed dependency; nothing is
 * passed back as a listener.
 *
 * @example
 * ```ts
 * const flows = wireMintFlows({ config, store, pool, frost, kid, threshold, guardians, policy, audit, log, metrics, driver, attestation, operator });
 * ```
 */
export function wireMintFlows(
  parts: FlowParts & {
    /** The group's guardians (none: mints needing approvals are denied outright). */
    guardians: readonly GuardianKey[];
    policy: PolicyRollout;
    metrics: Metrics;
    driver: TokenSigner;
    attestation: MintAttestation;
  },
): MintFlows {
  const { config, store, audit, log, guardians } = parts;
  const pipeline = new MintPipeline({
    issuer: config.issuer,
    kid: parts.kid,
    defaultTtlSeconds: config.defaultTtlSeconds,
    maxTtlSeconds: config.maxTtlSeconds,
    driver: parts.driver,
    policy: countedPolicy(parts.policy, parts.metrics),
    log,
    metrics: parts.metrics,
    audit,
    attestation: parts.attestation,
    assertStoreWritable: () => store.health.assertWritable(),
  });
  const webauthn = webauthnFlows({
    ...parts,
    pipeline,
    policy: countedEngine(parts.policy.live, parts.metrics),
  });
  const gate =
    guardians.length > 0
      ? new ApprovalGate({
          store,
          audit,
          log,
          guardians,
          ...(config.webauthn ? { rp: config.webauthn } : {}),
          approved: webauthn?.approved,
          windowSeconds: config.approvalWindowSeconds,
        })
      : undefined;
  const polled = gate && new PolledMints({ pipeline, gate, store, log });
  const requests = webauthn?.routes(gate);
  const webApprovals = webApprovalParts({
    webauthn: config.webauthn,
    pending: gate,
    store,
    guardians,
    audit,
    log,
  });
  return {
    mints: new MintService(pipeline, polled),
    ...(gate && polled ? { approvals: { gate, polled } } : {}),
    ...(requests ? { requests } : {}),
    ...(webApprovals ? { webApprovals } : {}),
    close: () => webauthn?.close(),
  };
}
