import { randomBytes } from 'node:crypto';
import { type TestGuardian, testGuardian } from '@frostmint/test-support/guardian';
import { describe, expect, it } from 'vitest';
import {
  type MintApprovalWire,
  mintApprovalInput,
  mintApprovalSubject,
  type TokenClaims,
  verifyMintApprovals,
} from '../../src/index.ts';

const now = 1_800_000_000;
const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'group-kid' } as const;
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  iss: 'https://mint.example',
  sub: 'repo:acme/app:environment:production',
  aud: 'deploy-api',
  scope: 'deploy:prod',
  iat: now,
  nbf: now,
  exp: now + 600,
  jti: randomBytes(16).toString('base64url'),
  client_id: 'frostmint-ci',
  amr: ['oidc'],
  frostmint: { signers: [1, 2], policy: 'sha256:abc' },
  ...over,
});
const approve = (g: TestGuardian, c: TokenClaims, notAfter = now + 900): MintApprovalWire => ({
  guardianKid: g.key.approvalKey.kid,
  signature: g.sign(mintApprovalInput(mintApprovalSubject(header, c, notAfter))),
  notAfter,
});

describe('mint approvals (ES256 by guardian approval keys over the domain-separated request)', () => {
  const [alice, bob, mallory] = [
    testGuardian('Alice'),
    testGuardian('Bob'),
    testGuardian('Mallory'),
  ];
  const guardians = [alice.key, bob.key];

  it('returns each approving guardian once, and survives another signer set, signing time and approver list', async () => {
    const approved = claims();
    const signed = { ...approved, iat: now + 120, nbf: now + 120, exp: now + 720 };
    const later = {
      ...signed,
      frostmint: { signers: [2, 3], policy: 'sha256:abc', approvals: ['x'] },
    };
    const approvals = [approve(alice, approved), approve(bob, approved), approve(alice, approved)];
    await expect(
      verifyMintApprovals(approvals, header, later, guardians, now + 120),
    ).resolves.toEqual([alice.key.approvalKey.kid, bob.key.approvalKey.kid].sort());
  });

  const refusals: [string, () => [MintApprovalWire[], TokenClaims], string][] = [
    [
      'a key that is no guardian',
      () => {
        const c = claims();
        return [[approve(mallory, c)], c];
      },
      'approval_invalid',
    ],
    [
      "a forgery under a guardian's kid",
      () => {
        const c = claims();
        return [[{ ...approve(mallory, c), guardianKid: alice.key.approvalKey.kid }], c];
      },
      'approval_invalid',
    ],
    [
      'an approval of another request',
      () => [[approve(alice, claims())], claims()],
      'approval_invalid',
    ],
    [
      'an approval of the same request with a longer lifetime',
      () => {
        const c = claims();
        return [[approve(alice, c)], { ...c, exp: c.exp + 60 }];
      },
      'approval_invalid',
    ],
    [
      'an approval with its notAfter moved',
      () => {
        const c = claims();
        return [[{ ...approve(alice, c), notAfter: now + 901 }], c];
      },
      'approval_invalid',
    ],
    [
      'a lapsed approval',
      () => {
        const c = claims();
        return [[approve(alice, c, now - 1)], c];
      },
      'approval_expired',
    ],
    [
      'an approval valid for more than a day',
      () => {
        const c = claims();
        return [[approve(alice, c, now + 90_000)], c];
      },
      'approval_invalid',
    ],
  ];
  for (const [what, make, code] of refusals) {
    it(`refuses ${what}`, async () => {
      const [approvals, c] = make();
      await expect(verifyMintApprovals(approvals, header, c, guardians, now)).rejects.toThrow(
        expect.objectContaining({ code }),
      );
    });
  }
});
