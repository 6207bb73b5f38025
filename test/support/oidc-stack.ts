import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_POLICY } from '@frostmint/cli';
import { type LocalIssuer, startLocalIssuer } from '@frostmint/test-support/oidc-issuer';
import { type RunningStack, startTestStack } from '../harness.ts';

/** The audience CI jobs request for frostmint in these tests. */
export const CI_AUDIENCE = 'frostmint';

/** A local stack whose coordinator and signers trust a local OIDC issuer. */
export interface OidcStack {
  readonly stack: RunningStack;
  readonly issuer: LocalIssuer;
  /** The policy files the stack runs (the shipped wasm, CI rules naming the local issuer). */
  readonly policy: { wasm: string; data: string };
  dispose(): Promise<void>;
}

/**
 * Starts a local OIDC issuer and a stack trusting it, with the shipped policy whose CI
 * rules name that issuer instead of GitHub Actions (same repository, ref and environment
 * rules).
 *
 * @example
 * ```ts
 * const { stack, issuer } = await startOidcStack(tmp);
 * const idToken = await issuer.issue({ aud: CI_AUDIENCE });
 * ```
 */
export async function startOidcStack(workDir: string): Promise<OidcStack> {
  const issuer = await startLocalIssuer();
  try {
    const layout = await oidcLayout(issuer, workDir);
    const stack = await startTestStack(layout);
    const { policy } = layout;
    return {
      stack,
      issuer,
      policy,
      dispose: async () => {
        await stack.dispose();
        await issuer.close();
      },
    };
  } catch (err) {
    await issuer.close();
    throw err;
  }
}

/**
 * Stack settings trusting `issuer`: the `oidc` section, and the shipped policy with its CI
 * rules naming `issuer` (written to `workDir`).
 *
 * @example
 * ```ts
 * const stack = await startCeremonyStack(await oidcLayout(issuer, dir));
 * ```
 */
export async function oidcLayout(issuer: LocalIssuer, workDir: string) {
  const data = JSON.parse(await readFile(DEMO_POLICY.data, 'utf8')) as {
    config: { ci: { issuer: string }[] };
  };
  for (const rule of data.config.ci) rule.issuer = issuer.issuer;
  const policy = { wasm: DEMO_POLICY.wasm, data: join(workDir, 'policy-data.json') };
  await writeFile(policy.data, JSON.stringify(data));
  return { policy, oidc: { issuers: [{ issuer: issuer.issuer, audience: CI_AUDIENCE }] } };
}

/**
 * `POST /v1/mint` with an ID token as the bearer credential.
 *
 * @example
 * ```ts
 * const { status, body } = await mintWithIdToken(stack, idToken, { scope: ['deploy:canary'], audience: 'deploy-api' });
 * ```
 */
export async function mintWithIdToken(
  stack: { coordinatorUrl: string },
  idToken: string,
  body: unknown,
) {
  const res = await fetch(`${stack.coordinatorUrl}/v1/mint`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      token?: string;
      error?: string;
      message?: string;
      request_id?: string;
      request_secret?: string;
      required_approvals?: number;
    },
  };
}
