import { randomBytes } from 'node:crypto';
import type { DevStack } from '@frostmint/cli';
import type { FrostmintError, TokenClaims } from '@frostmint/core';
import {
  type CommitResponse,
  SigningPurpose,
  type SignRequest,
  type SignResponse,
} from '@frostmint/proto';
import { rogueClient } from '../harness.ts';

/**
 * The claims of a dev-bearer mint of `deploy:canary` for `deploy-api` (900 s, a fresh `jti`),
 * naming `signers` and `policy`: what a hand-driven (rogue) coordinator asks signers to sign.
 * `over` replaces any claim.
 *
 * @example
 * ```ts
 * const claims = devTokenClaims(stack.coordinatorUrl, policy, [1, 2], { scope: 'deploy:prod' });
 * ```
 */
export function devTokenClaims(
  issuer: string,
  policy: string,
  signers: readonly number[],
  over: Partial<TokenClaims> = {},
): TokenClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: 'dev@localhost',
    aud: 'deploy-api',
    scope: 'deploy:canary',
    iat: now,
    nbf: now,
    exp: now + 900,
    jti: randomBytes(16).toString('base64url'),
    client_id: 'frostmint-dev',
    amr: ['dev'],
    frostmint: { signers: [...signers], policy },
    ...over,
  };
}

/** What one hand-driven round two returned, and how to send it again. */
export interface RogueAttempt {
  readonly first: { ok: SignResponse } | { err: FrostmintError };
  readonly request: SignRequest;
  readonly client: ReturnType<typeof rogueClient>;
}

/**
 * Plays a rogue coordinator: runs round one on signers `signers` (default 1 and 2), then
 * asks `target` to sign `message` with dev evidence unless `requestOver` says otherwise.
 *
 * @example
 * ```ts
 * const { first } = await askToSign(stack, 1, signingInput(header, claims), { evidence });
 * expect(first).toMatchObject({ err: { code: 'policy_denied' } });
 * ```
 */
export async function askToSign(
  stack: Pick<DevStack, 'layout'>,
  target: number,
  message: string,
  requestOver: Partial<SignRequest> = {},
  signers: readonly number[] = [1, 2],
): Promise<RogueAttempt> {
  const clients = signers.map((id) => rogueClient(stack, id));
  try {
    const commits = await Promise.all(
      clients.map((c) => c.call<object, CommitResponse>('commit', { requestId: 'rogue' })),
    );
    const request: SignRequest = {
      requestId: 'rogue',
      message: Buffer.from(message, 'latin1'),
      commitments: commits.map((c) => ({
        signerId: c.signerId,
        hiding: c.hiding,
        binding: c.binding,
      })),
      evidence: { kind: { $case: 'dev', value: { subject: 'dev@localhost' } } },
      purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
      approvals: [],
      requesterAttestation: undefined,
      dpopProof: '',
      checkpointProofs: undefined,
      commitmentId: '',
      ...requestOver,
    };
    const client = clients[signers.indexOf(target)]!;
    const first = await client.call<SignRequest, SignResponse>('sign', request).then(
      (r) => ({ ok: r }),
      (e: FrostmintError) => ({ err: e }),
    );
    return { first, request, client };
  } finally {
    for (const c of clients) setTimeout(() => c.close(), 100);
  }
}

/** Every pair of the three signers, so each signer is asked as part of some quorum. */
export const SIGNER_PAIRS: readonly [number, number][] = [
  [1, 2],
  [1, 3],
  [2, 3],
];

/** What each signer of a hand-driven quorum answered, with the round-one commitments. */
export type QuorumOutcomes = Map<number, { ok: SignResponse } | { err: FrostmintError }> & {
  commits?: CommitResponse[];
};

/**
 * Plays a rogue coordinator with a whole quorum: round one on `signers`, then asks each of
 * them in turn to sign the same request; returns every answer.
 *
 * @example
 * ```ts
 * const outcomes = await askQuorum(stack, [1, 2], { message, evidence, purpose });
 * expect(outcomes.get(1)).toMatchObject({ err: { code: 'enrollment_unproven' } });
 * ```
 */
export async function askQuorum(
  stack: Pick<DevStack, 'layout'>,
  signers: readonly number[],
  requestOver: Omit<Partial<SignRequest>, 'message'> & { message: Uint8Array },
): Promise<QuorumOutcomes> {
  const clients = new Map(signers.map((id) => [id, rogueClient(stack, id)]));
  try {
    const commits = await Promise.all(
      signers.map((id) =>
        clients.get(id)!.call<object, CommitResponse>('commit', { requestId: 'rogue' }),
      ),
    );
    const request: SignRequest = {
      requestId: 'rogue',
      commitments: commits.map((c) => ({
        signerId: c.signerId,
        hiding: c.hiding,
        binding: c.binding,
      })),
      evidence: undefined,
      purpose: SigningPurpose.SIGNING_PURPOSE_TOKEN,
      approvals: [],
      requesterAttestation: undefined,
      dpopProof: '',
      checkpointProofs: undefined,
      commitmentId: '',
      ...requestOver,
      message: Buffer.from(requestOver.message),
    };
    const outcomes: QuorumOutcomes = new Map();
    for (const id of signers) {
      outcomes.set(
        id,
        await clients
          .get(id)!
          .call<SignRequest, SignResponse>('sign', request)
          .then(
            (ok) => ({ ok }),
            (err: FrostmintError) => ({ err }),
          ),
      );
    }
    outcomes.commits = commits;
    return outcomes;
  } finally {
    for (const c of clients.values()) setTimeout(() => c.close(), 100);
  }
}
