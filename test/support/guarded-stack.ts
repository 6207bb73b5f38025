import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevLayoutOptions } from '@frostmint/cli';
import type { CoordinatorConfig } from '@frostmint/coordinator';
import { readGroupConfig } from '@frostmint/core';
import { type CeremonyStack, startCeremonyStack } from './ceremony-stack.ts';

/** A ceremony stack after its DKG: the group configuration names three guardians. */
export interface GuardedStack {
  readonly stack: CeremonyStack;
  /** The coordinator's base URL. */
  readonly url: string;
  /** Approval key kids of guardians 1..3 (index 0..2). */
  readonly kids: string[];
  /** The group key's kid. */
  readonly groupKid: string;
}

/**
 * Starts the ceremony stack (SoftHSM2 guardian and signer tokens, real processes), runs the
 * DKG approved by guardians 1 and 2 through `frostmint-guardian`, and starts the coordinator
 * (with its configuration changed by `coordinator`, when given).
 *
 * @example
 * ```ts
 * const { stack, url, kids } = await startGuardedStack(await oidcLayout(issuer, dir));
 * ```
 */
export async function startGuardedStack(
  layout: Omit<DevLayoutOptions, 'port'> = {},
  coordinator?: (config: CoordinatorConfig) => CoordinatorConfig,
): Promise<GuardedStack> {
  const stack = await startCeremonyStack(layout);
  try {
    const config = stack.layout.coordinatorConfigPath;
    const transcript = join(stack.dir, 'dkg.transcript.json');
    await expectOk(
      stack.cli(
        'ceremony',
        'plan',
        '--kind',
        'dkg',
        '--coordinator-config',
        config,
        '--out',
        transcript,
        ...stack.guardianRecords.flatMap((r) => ['--guardian', r]),
      ),
    );
    const approvals: string[] = [];
    for (const g of [1, 2]) {
      const out = join(stack.dir, `dkg-approval-${g}.json`);
      await expectOk(
        stack.cli(
          'ceremony',
          'approve',
          '--transcript',
          transcript,
          '--out',
          out,
          ...stack.guardianToken(g),
        ),
      );
      approvals.push(out);
    }
    await expectOk(
      stack.cli(
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
    if (coordinator) {
      const path = stack.layout.coordinatorConfigPath;
      const current = JSON.parse(await readFile(path, 'utf8')) as CoordinatorConfig;
      await writeFile(path, JSON.stringify(coordinator(current), null, 2));
    }
    const url = await stack.restartCoordinator();
    const kids = await Promise.all(
      stack.guardianRecords.map(
        async (r) => JSON.parse(await readFile(r, 'utf8')).approvalKey.kid as string,
      ),
    );
    const groupKid = (await readGroupConfig(stack.layout.coordinator.stateDir))!.kid;
    return { stack, url, kids, groupKid };
  } catch (err) {
    await stack.dispose();
    throw err;
  }
}

async function expectOk(run: Promise<{ code: number; stderr: string }>): Promise<void> {
  const { code, stderr } = await run;
  if (code !== 0) throw new Error(`frostmint-guardian failed (${code}): ${stderr}`);
}
