import { MAX_POLICY_BUNDLE_BYTES } from '@frostmint/core';
import type { FastifyInstance } from 'fastify';
import type { PolicyRollout } from '../policy/rollout.ts';
import { InputJson, parseInput } from './input.ts';

/**
 * `GET /v1/policy` (the policy in force and where it came from) and `PUT /v1/policy` (roll a
 * signed bundle out, see `PolicyRollout.submit`). The PUT needs no credential of its own:
 * a bundle is installed only when enough guardians signed it, and every signer checks that
 * again.
 *
 * @example
 * ```ts
 * registerPolicyRoutes(app, rollout);
 * ```
 */
export function registerPolicyRoutes(app: FastifyInstance, rollout: PolicyRollout): void {
  app.get('/v1/policy', async () => ({
    policy: rollout.current.id,
    source: rollout.bundle ? 'bundle' : 'files',
  }));
  app.put('/v1/policy', { bodyLimit: MAX_POLICY_BUNDLE_BYTES }, async (request) =>
    rollout.submit(parseInput(InputJson, request.body, 'body')),
  );
}
