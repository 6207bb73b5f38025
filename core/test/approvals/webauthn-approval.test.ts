import { randomBytes } from 'node:crypto';
import { type TestGuardian, testGuardian } from '@frostmint/test-support/guardian';
import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { describe, expect, it } from 'vitest';
import {
  encodeGuardianBinding,
  GUARDIAN_BINDING_FORMAT,
  type GuardianBinding,
  guardianBindingInput,
  type MintApprovalWire,
  mintApprovalDigest,
  mintApprovalInput,
  mintApprovalSubject,
  type TokenClaims,
  verifyMintApprovals,
} from '../../src/index.ts';

const now = 1_800_000_000;
const rp = { rpId: 'mint.example', origins: ['https://mint.example'] };
const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'group-kid' } as const;
const claims = (): TokenClaims => ({
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
});
const notAfter = now + 900;

/** A binding of `auth` to `guardian`, signed by `signer` (the guardian itself unless forged). */
function bind(guardian: TestGuardian, auth: SoftAuthenticator, signer = guardian): GuardianBinding {
  const body = {
    format: GUARDIAN_BINDING_FORMAT,
    guardian_kid: guardian.key.approvalKey.kid,
    credential_id: auth.credentialId,
    public_key: auth.publicKeyCose,
    rp_id: rp.rpId,
    not_after: now + 30 * 86400,
  } as const;
  const signature = Buffer.from(signer.sign(guardianBindingInput(body))).toString('base64url');
  return { ...body, signature };
}

function webApproval(
  guardian: TestGuardian,
  auth: SoftAuthenticator,
  c: TokenClaims,
  binding = bind(guardian, auth),
  options: Parameters<SoftAuthenticator['assert']>[1] = {},
): MintApprovalWire {
  const digest = mintApprovalDigest(mintApprovalSubject(header, c, notAfter));
  const a = auth.assert(digest, options);
  return {
    guardianKid: guardian.key.approvalKey.kid,
    signature: new Uint8Array(0),
    notAfter,
    webauthn: {
      binding: encodeGuardianBinding(binding),
      authenticatorData: a.authenticatorData,
      clientDataJson: a.clientDataJson,
      signature: a.signature,
      userHandle: a.userHandle,
    },
  };
}

describe('WebAuthn mint approvals (assertion over the approval digest, credential bound by the approval key)', () => {
  const [alice, bob, mallory] = [
    testGuardian('Alice'),
    testGuardian('Bob'),
    testGuardian('Mallory'),
  ];
  const guardians = [alice.key, bob.key];
  const auth = () => new SoftAuthenticator(rp.rpId, rp.origins[0]!);

  it('counts a guardian who approved on the web, and once when they also approved by CLI', async () => {
    const c = claims();
    const cli: MintApprovalWire = {
      guardianKid: alice.key.approvalKey.kid,
      signature: alice.sign(mintApprovalInput(mintApprovalSubject(header, c, notAfter))),
      notAfter,
    };
    const web = webApproval(alice, auth(), c);
    await expect(verifyMintApprovals([web], header, c, guardians, now, rp)).resolves.toEqual([
      alice.key.approvalKey.kid,
    ]);
    await expect(verifyMintApprovals([cli, web], header, c, guardians, now, rp)).resolves.toEqual([
      alice.key.approvalKey.kid,
    ]);
    const both = [web, webApproval(bob, auth(), c)];
    await expect(verifyMintApprovals(both, header, c, guardians, now, rp)).resolves.toEqual(
      [alice.key.approvalKey.kid, bob.key.approvalKey.kid].sort(),
    );
  });

  const cases: [string, string, () => [MintApprovalWire, TokenClaims, typeof rp | undefined]][] = [
    [
      'a binding signed by a key that is not a guardian of the group',
      'binding_invalid',
      () => {
        const c = claims();
        const a = auth();
        return [webApproval(alice, a, c, bind(alice, a, mallory)), c, rp];
      },
    ],
    [
      "a binding of Bob's credential presented as Alice's approval",
      'approval_invalid',
      () => {
        const c = claims();
        const a = auth();
        const w = webApproval(bob, a, c);
        return [{ ...w, guardianKid: alice.key.approvalKey.kid }, c, rp];
      },
    ],
    [
      'an assertion made for another request',
      'approval_invalid',
      () => [webApproval(alice, auth(), claims()), claims(), rp],
    ],
    [
      'an assertion by another credential than the bound one',
      'approval_invalid',
      () => {
        const c = claims();
        return [webApproval(alice, auth(), c, bind(alice, auth())), c, rp];
      },
    ],
    [
      'an assertion without user verification',
      'approval_invalid',
      () => {
        const c = claims();
        const a = auth();
        return [webApproval(alice, a, c, bind(alice, a), { userVerified: false }), c, rp];
      },
    ],
    [
      'an assertion from a foreign origin',
      'approval_invalid',
      () => {
        const c = claims();
        const a = auth();
        return [
          webApproval(alice, a, c, bind(alice, a), { origin: 'https://evil.example' }),
          c,
          rp,
        ];
      },
    ],
    [
      'a WebAuthn approval at a verifier without a WebAuthn configuration',
      'approval_invalid',
      () => {
        const c = claims();
        return [webApproval(alice, auth(), c), c, undefined];
      },
    ],
    [
      'a binding for another RP ID',
      'binding_invalid',
      () => {
        const c = claims();
        return [webApproval(alice, auth(), c), c, { ...rp, rpId: 'other.example' }];
      },
    ],
  ];
  for (const [what, code, make] of cases) {
    it(`refuses ${what}`, async () => {
      const [approval, c, verifierRp] = make();
      await expect(
        verifyMintApprovals([approval], header, c, guardians, now, verifierRp),
      ).rejects.toThrow(expect.objectContaining({ code }));
    });
  }

  it('refuses a lapsed binding', async () => {
    const c = claims();
    const a = auth();
    const body = { ...bind(alice, a), not_after: now - 1 };
    const { signature: _s, ...unsigned } = body;
    const lapsed = {
      ...body,
      signature: Buffer.from(alice.sign(guardianBindingInput(unsigned))).toString('base64url'),
    };
    await expect(
      verifyMintApprovals([webApproval(alice, a, c, lapsed)], header, c, guardians, now, rp),
    ).rejects.toThrow(expect.objectContaining({ code: 'binding_expired' }));
  });
});
