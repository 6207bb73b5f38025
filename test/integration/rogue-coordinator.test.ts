import { readFile } from 'node:fs/promises';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  encodePolicyBundle,
  loadPolicyFiles,
  readGroupConfig,
  signingInput,
  type TokenClaims,
} from '@frostmint/core';
import { SigningPurpose, type SignRequest } from '@frostmint/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rogueClient, startTestStack } from '../harness.ts';
import { askToSign as askRogue, devTokenClaims } from '../support/rogue-sign.ts';

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

  const claims = (over: Partial<TokenClaims> = {}): TokenClaims =>
    devTokenClaims(stack.coordinatorUrl, policy, [1, 2], over);

  /** Runs round one on signers 1 and 2, then asks `target` to sign `message`. */
  const askToSign = (target: number, message: string, requestOver: Partial<SignRequest> = {}) =>
    askRogue(stack, target, message, requestOver);

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

  /** Every signer of the pair must refuse each message with `code`. */
  const expectRefused = async (cases: [string, string][], code: string) => {
    for (const [what, message] of cases) {
      for (const target of [1, 2]) {
        const { first } = await askToSign(target, message);
        expect(first, `${what} at signer ${target}`).toMatchObject({ err: { code } });
      }
    }
  };

  it('every signer refuses claims that dev evidence does not back (claims follow evidence)', async () => {
    const mismatched: [string, Partial<TokenClaims>][] = [
      ['amr oidc with client_id frostmint-ci', { amr: ['oidc'], client_id: 'frostmint-ci' }],
      ['amr oidc', { amr: ['oidc'] }],
      ['amr webauthn', { amr: ['webauthn'] }],
      ['amr of any other value', { amr: ['hwk', 'mfa'] }],
      ['amr dev plus another method', { amr: ['dev', 'webauthn'] }],
      ['no amr at all', { amr: undefined }],
      ['client_id frostmint-ci', { client_id: 'frostmint-ci' }],
      ['client_id frostmint-cli', { client_id: 'frostmint-cli' }],
      ['another subject', { sub: 'alice@example.com' }],
    ];
    await expectRefused(
      mismatched.map(([what, over]) => [what, signingInput(header(), claims(over))]),
      'claims_evidence_mismatch',
    );
  });

  it('every signer refuses duplicate JSON member names in header and payload, at every depth', async () => {
    const c = claims();
    const body = JSON.stringify(c).slice(1, -1);
    const frostmint = JSON.stringify(c.frostmint).slice(1, -1);
    const h = JSON.stringify(header()).slice(1, -1);
    const cases: [string, string, string][] = [
      // The example: a last-wins parser sees deploy:canary, a first-wins one admin.
      ['a duplicate scope', `{"scope":"deploy:prod admin",${body}}`, JSON.stringify(header())],
      ['a duplicate sub', `{"sub":"root",${body}}`, JSON.stringify(header())],
      [
        'a duplicate written with an escape',
        `{"\u0073cope":"deploy:prod",${body}}`,
        JSON.stringify(header()),
      ],
      [
        'a duplicate inside the frostmint object',
        JSON.stringify(c).replace(frostmint, `"signers":[1,3],${frostmint}`),
        JSON.stringify(header()),
      ],
      [
        'two frostmint objects',
        `{"frostmint":{"signers":[1,3],"policy":"x"},${body}}`,
        JSON.stringify(header()),
      ],
      ['a duplicate kid in the header', JSON.stringify(c), `{"kid":"evil",${h}}`],
      ['a duplicate alg in the header', JSON.stringify(c), `{${h},"alg":"EdDSA"}`],
    ];
    await expectRefused(
      cases.map(([what, payload, head]) => [what, `${raw(head)}.${raw(payload)}`]),
      'token_malformed',
    );
  });

  it('every signer refuses non-canonical base64url: padding, unused trailing bits, whitespace', async () => {
    const head = b64(header());
    const payload = padToUnusedBits(claims());
    await expectRefused(
      [
        ['padding', `${head}.${payload}${'='.repeat(4 - (payload.length % 4))}`],
        ['non-zero unused trailing bits', `${head}.${flipLastUnusedBit(payload)}`],
        ['a space inside a segment', `${head}.${payload.slice(0, 10)} ${payload.slice(10)}`],
        ['a newline inside a segment', `${head}.${payload.slice(0, 10)}\n${payload.slice(10)}`],
        [
          'standard base64 characters',
          `${head}.${payload.replace(/-|_/g, (x) => (x === '-' ? '+' : '/'))}+`,
        ],
        ['a third segment', `${head}.${payload}.`],
        ['an oversized message', `${head}.${b64({ ...claims(), sub: 'x'.repeat(9000) })}`],
        [
          'a number that overflows',
          `${head}.${raw(JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e999'))}`,
        ],
      ],
      'token_malformed',
    );
  });

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

  it('refuses a policy bundle without guardian approvals, and keeps enforcing its policy', async () => {
    const wasm = await readFile(DEMO_POLICY.wasm);
    const data = JSON.parse(await readFile(DEMO_POLICY.data, 'utf8'));
    data.config.scopes['deploy:canary'] = 900;
    data.config.roles.developer = ['deploy:canary', 'deploy:prod'];
    const signer = rogueClient(stack, 2);
    try {
      await expect(
        signer.call('updatePolicy', {
          bundle: Buffer.from(encodePolicyBundle({ wasm, data, approvals: [] })),
        }),
      ).rejects.toMatchObject({ code: 'policy_bundle_rejected' });
      await expect(
        signer.call('updatePolicy', { bundle: Buffer.from('{"version": 1}') }),
      ).rejects.toMatchObject({ code: 'policy_bundle_invalid' });
      expect(await signer.call('info', {})).toMatchObject({ policyId: policy });
    } finally {
      signer.close();
    }
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
  return raw(JSON.stringify(value));
}

function raw(json: string): string {
  return Buffer.from(json).toString('base64url');
}

/** base64url of `value`'s JSON, space-padded (valid JSON) so the last character has unused bits. */
function padToUnusedBits(value: object): string {
  let json = JSON.stringify(value);
  while (raw(json).length % 4 === 0) json += ' ';
  return raw(json);
}

/** The same bytes with one unused trailing bit set (RFC 4648 §3.5): a second encoding. */
function flipLastUnusedBit(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.at(-1)!);
  const flipped = `${segment.slice(0, -1)}${alphabet[last ^ 1]}`;
  if (!Buffer.from(flipped, 'base64url').equals(Buffer.from(segment, 'base64url'))) {
    throw new Error('test bug: flipped a data bit');
  }
  return flipped;
}
