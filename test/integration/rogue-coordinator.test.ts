import { randomBytes } from 'node:crypto';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  type FrostmintError,
  loadPolicyFiles,
  readGroupConfig,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import {
  type CommitResponse,
  SigningPurpose,
  type SignRequest,
  type SignResponse,
} from '@frostmint/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rogueClient, startTestStack } from '../harness.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

describe('signers refuse what a rogue coordinator asks for (hand-driven gRPC client)', () => {
  let stack: Stack;
  let kid: string;
  let policy: string;
  beforeAll(async () => {
    stack = await startTestStack();
    kid = (await readGroupConfig(stack.layout.coordinator.stateDir))!.kid;
    policy = (await loadPolicyFiles(DEMO_POLICY)).id;
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const claims = (over: Partial<TokenClaims> = {}): TokenClaims => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: stack.coordinatorUrl,
      sub: 'dev@localhost',
      aud: 'deploy-api',
      scope: 'deploy:canary',
      iat: now,
      nbf: now,
      exp: now + 900,
      jti: randomBytes(16).toString('base64url'),
      client_id: 'frostmint-dev',
      frostmint: { signers: [1, 2], policy },
      ...over,
    };
  };

  /** Runs round one on signers 1 and 2, then asks `target` to sign `message`. */
  async function askToSign(
    target: number,
    message: string,
    requestOver: Partial<SignRequest> = {},
  ) {
    const clients = [rogueClient(stack, 1), rogueClient(stack, 2)];
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
        requesterAttestation: undefined,
        ...requestOver,
      };
      const client = clients[target - 1]!;
      const first = await client.call<SignRequest, SignResponse>('sign', request).then(
        (r) => ({ ok: r }),
        (e: FrostmintError) => ({ err: e }),
      );
      return { first, request, client };
    } finally {
      for (const c of clients) setTimeout(() => c.close(), 100);
    }
  }

  const header = () => ({ alg: 'EdDSA', typ: 'at+jwt', kid }) as const;

  it('signs a well-formed request once, and refuses the replayed round-2 request', async () => {
    const { first, request, client } = await askToSign(1, signingInput(header(), claims()));
    expect('ok' in first && first.ok.signatureShare.length).toBe(32);
    await expect(client.call('sign', request)).rejects.toMatchObject({ code: 'nonce_unavailable' });
  });

  const refusals: [string, () => string, string][] = [
    [
      'a TTL above the cap',
      () => signingInput(header(), claims({ exp: Math.floor(Date.now() / 1000) + 3600 })),
      'token_ttl_exceeded',
    ],
    [
      'another alg',
      () => `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims())}`,
      'token_malformed',
    ],
    [
      'another kid',
      () => signingInput({ ...header(), kid: 'someone-else' }, claims()),
      'token_kid_mismatch',
    ],
    [
      'another issuer',
      () => signingInput(header(), claims({ iss: 'https://evil.example' })),
      'token_issuer_mismatch',
    ],
    [
      'an iat far from the signer clock',
      () => signingInput(header(), claims({ iat: 1_000, nbf: 1_000, exp: 1_900 })),
      'token_iat_skew',
    ],
    [
      'a header with extra members',
      () => `${b64({ ...header(), jku: 'https://evil.example' })}.${b64(claims())}`,
      'token_malformed',
    ],
    [
      'a token naming other signers',
      () => signingInput(header(), claims({ frostmint: { signers: [1, 3], policy } })),
      'signers_mismatch',
    ],
    [
      'an escalated scope',
      () => signingInput(header(), claims({ scope: 'deploy:prod' })),
      'policy_denied',
    ],
    [
      'a TTL above the policy maximum',
      () => signingInput(header(), claims({ scope: 'read:logs', aud: 'logs-api' })),
      'policy_denied',
    ],
    [
      'a disallowed audience',
      () => signingInput(header(), claims({ aud: 'billing-api' })),
      'policy_denied',
    ],
    [
      'a scope whose guardian approvals are missing',
      () => signingInput(header(), claims({ scope: 'db:migrate', aud: 'db-api' })),
      'policy_denied',
    ],
    [
      'a token naming another policy',
      () =>
        signingInput(
          header(),
          claims({ frostmint: { signers: [1, 2], policy: `sha256:${'0'.repeat(64)}` } }),
        ),
      'policy_mismatch',
    ],
  ];

  for (const [what, message, code] of refusals) {
    it(`every signer refuses ${what}`, async () => {
      for (const target of [1, 2]) {
        const { first } = await askToSign(target, message());
        expect(first).toMatchObject({ err: { code } });
      }
    });
  }

  it('signs nothing but tokens outside a key ceremony: no arbitrary bytes as a group configuration, no unknown purpose', async () => {
    const asConfig = await askToSign(1, 'frostmint/group-config/v2\0{"kid":"anything"}', {
      purpose: SigningPurpose.SIGNING_PURPOSE_GROUP_CONFIG,
    });
    expect(asConfig.first).toMatchObject({ err: { code: 'ceremony_not_pending' } });
    const unknown = await askToSign(1, signingInput(header(), claims()), {
      purpose: 7 as SigningPurpose,
    });
    expect(unknown.first).toMatchObject({ err: { code: 'signing_purpose_unknown' } });
    const configAsToken = await askToSign(1, 'frostmint/group-config/v2\0{"kid":"anything"}');
    expect(configAsToken.first).toMatchObject({ err: { code: 'token_malformed' } });
  });

  it('refuses a request without requester evidence', async () => {
    const { first } = await askToSign(1, signingInput(header(), claims()), { evidence: undefined });
    expect(first).toMatchObject({ err: { code: 'evidence_missing' } });
  });

  it("refuses a client whose certificate is not the coordinator's", async () => {
    const impostor = rogueClient(stack, 1, stack.layout.pki.signers[1]!);
    await expect(impostor.call('commit', { requestId: 'x' })).rejects.toMatchObject({
      code: 'peer_not_coordinator',
    });
    impostor.close();
  });
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
