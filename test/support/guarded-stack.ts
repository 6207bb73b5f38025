import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevLayoutOptions } from '@frostmint/cli';
import type { CoordinatorConfig } from '@frostmint/coordinator';
import { loadPolicyFiles, readGroupConfig } from '@frostmint/core';
import { type LocalIssuer, startLocalIssuer } from '@frostmint/test-support/oidc-issuer';
import { type CeremonyStack, startCeremonyStack } from './ceremony-stack.ts';
import { CI_AUDIENCE, mintWithIdToken, oidcLayout } from './oidc-stack.ts';

/** A ceremony stack after a guardian-approved DKG, trusting a local OIDC issuer. */
export interface GuardedStack {
  readonly stack: CeremonyStack;
  readonly issuer: LocalIssuer;
  /** Coordinator base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The WebAuthn origin of the pages (`http://localhost:<port>`). */
  readonly origin: string;
  /** Approval key kids of guardians 1..3. */
  readonly kids: string[];
  readonly policyId: string;
  readonly groupKid: string;
  /** A `deploy:prod` one-step mint by a CI job: pending, needs 2 approvals. */
  startProdMint(): Promise<{ id: string; secret: string }>;
  /** The requester's poll. */
  poll(id: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }>;
  dispose(): Promise<void>;
}

/**
 * Starts three SoftHSM2 guardians and three signers, runs the DKG with two guardian
 * approvals through `frostmint-guardian ceremony`, and starts the coordinator.
 *
 * @example
 * ```ts
 * const guarded = await startGuardedStack();
 * const { id, secret } = await guarded.startProdMint();
 * ```
 */
export async function startGuardedStack(
  options: {
    /** Overrides of the stack layout (e.g. another policy). */
    layout?: Omit<DevLayoutOptions, 'port'>;
    /** Changes the coordinator configuration before it starts. */
    coordinator?: (config: CoordinatorConfig) => CoordinatorConfig;
  } = {},
): Promise<GuardedStack> {
  const issuer = await startLocalIssuer();
  const work = await mkdtemp(join(tmpdir(), 'frostmint-guarded-'));
  let stack: CeremonyStack | undefined;
  try {
    const layout = { ...(await oidcLayout(issuer, work)), ...options.layout };
    stack = await startCeremonyStack(layout);
    const s = stack;
    const config = s.layout.coordinatorConfigPath;
    const transcript = join(s.dir, 'dkg.transcript.json');
    const must = async (p: Promise<{ code: number; stderr: string }>) => {
      const r = await p;
      if (r.code !== 0) throw new Error(r.stderr);
    };
    await must(
      s.cli(
        'ceremony',
        'plan',
        '--kind',
        'dkg',
        '--coordinator-config',
        config,
        '--out',
        transcript,
        ...s.guardianRecords.flatMap((r) => ['--guardian', r]),
      ),
    );
    const approvals: string[] = [];
    for (const g of [1, 2]) {
      const out = join(s.dir, `dkg-approval-${g}.json`);
      await must(
        s.cli(
          'ceremony',
          'approve',
          '--transcript',
          transcript,
          '--out',
          out,
          ...s.guardianToken(g),
        ),
      );
      approvals.push(out);
    }
    await must(
      s.cli(
        'ceremony',
        'dkg',
        '--transcript',
        transcript,
        ...approvals.flatMap((a) => ['--approval', a]),
        '--coordinator-config',
        config,
        '--json',
      ),
    );
    if (options.coordinator) {
      const current = JSON.parse(await readFile(config, 'utf8')) as CoordinatorConfig;
      await writeFile(config, JSON.stringify(options.coordinator(current), null, 2));
    }
    const url = await s.restartCoordinator();
    const kids = await Promise.all(
      s.guardianRecords.map(
        async (r) => JSON.parse(await readFile(r, 'utf8')).approvalKey.kid as string,
      ),
    );
    return {
      stack: s,
      issuer,
      url,
      origin: s.layout.coordinator.webauthn!.origins[0]!,
      kids,
      policyId: (await loadPolicyFiles(layout.policy)).id,
      groupKid: (await readGroupConfig(s.layout.coordinator.stateDir))!.kid,
      async startProdMint() {
        const created = await mintWithIdToken(
          { coordinatorUrl: url },
          await issuer.issue({ aud: CI_AUDIENCE }),
          { scope: ['deploy:prod'], audience: 'deploy-api', justification: 'release 1.4.2' },
        );
        if (created.status !== 202) throw new Error(JSON.stringify(created.body));
        return { id: created.body.request_id!, secret: created.body.request_secret! };
      },
      async poll(id, secret) {
        const res = await fetch(`${url}/v1/mint/requests/${id}/token`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      },
      async dispose() {
        await s.dispose();
        await issuer.close();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stack?.dispose();
    await issuer.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}
