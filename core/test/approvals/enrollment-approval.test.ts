import { randomBytes } from 'node:crypto';
import { type TestGuardian, testGuardian } from '@frostmint/test-support/guardian';
import { describe, expect, it } from 'vitest';
import {
  type EnrollmentRequest,
  enrollmentApprovalInput,
  enrollmentApprovalSubject,
  type GuardianApprovalWire,
  mintApprovalInput,
  type mintApprovalSubject,
  verifyEnrollmentApprovals,
} from '../../src/index.ts';

const now = 1_800_000_000;
const rp = { rpId: 'mint.example', origins: ['https://mint.example'] };
const request = (over: Partial<EnrollmentRequest> = {}): EnrollmentRequest => ({
  v: 1,
  cert_id: randomBytes(16).toString('base64url'),
  sub: 'carol@example.com',
  roles: ['developer', 'releaser'],
  iat: now,
  exp: now + 86_400,
  kid: 'group-kid',
  ...over,
});
const approve = (
  g: TestGuardian,
  r: EnrollmentRequest,
  notAfter = now + 900,
  rpId = rp.rpId,
): GuardianApprovalWire => ({
  guardianKid: g.key.approvalKey.kid,
  signature: g.sign(enrollmentApprovalInput(enrollmentApprovalSubject(r, rpId, notAfter))),
  notAfter,
});

describe('enrollment approvals (ES256 by guardian approval keys over the domain-separated enrollment request)', () => {
  const [alice, bob, mallory] = [
    testGuardian('Alice'),
    testGuardian('Bob'),
    testGuardian('Mallory'),
  ];
  const guardians = [alice.key, bob.key];

  it('returns each approving guardian once, and survives the request being fixed again at another time', async () => {
    const approved = request();
    const later = { ...approved, iat: now + 600, exp: now + 600 + 86_400 };
    const approvals = [approve(alice, approved), approve(bob, approved), approve(alice, approved)];
    await expect(
      verifyEnrollmentApprovals(approvals, later, rp, guardians, now + 600),
    ).resolves.toEqual([alice.key.approvalKey.kid, bob.key.approvalKey.kid].sort());
  });

  const refusals: [string, () => [GuardianApprovalWire[], EnrollmentRequest], string][] = [
    [
      'a key that is no guardian',
      () => [[approve(mallory, request())], request()],
      'approval_invalid',
    ],
    [
      "a forgery under a guardian's kid",
      () => {
        const r = request();
        return [[{ ...approve(mallory, r), guardianKid: alice.key.approvalKey.kid }], r];
      },
      'approval_invalid',
    ],
    [
      'an approval of another enrollment',
      () => [[approve(alice, request())], request()],
      'approval_invalid',
    ],
    [
      'an approval of the same enrollment with other roles',
      () => {
        const r = request({ roles: ['developer'] });
        return [[approve(alice, r)], { ...r, roles: ['developer', 'releaser'] }];
      },
      'approval_invalid',
    ],
    [
      'an approval of the same enrollment for a longer lifetime',
      () => {
        const r = request();
        return [[approve(alice, r)], { ...r, exp: r.exp + 60 }];
      },
      'approval_invalid',
    ],
    [
      'an approval of the same enrollment for another user',
      () => {
        const r = request();
        return [[approve(alice, r)], { ...r, sub: 'mallory@example.com' }];
      },
      'approval_invalid',
    ],
    [
      'an approval made for another relying party',
      () => {
        const r = request();
        return [[approve(alice, r, now + 900, 'evil.example')], r];
      },
      'approval_invalid',
    ],
    [
      'a mint approval signature over the same fields (another domain)',
      () => {
        const r = request();
        const subject = enrollmentApprovalSubject(r, rp.rpId, now + 900);
        const signature = alice.sign(
          mintApprovalInput(subject as unknown as ReturnType<typeof mintApprovalSubject>),
        );
        return [[{ guardianKid: alice.key.approvalKey.kid, signature, notAfter: now + 900 }], r];
      },
      'approval_invalid',
    ],
    [
      'a denial presented as an approval',
      () => {
        const r = request();
        const signature = alice.sign(
          enrollmentApprovalInput(enrollmentApprovalSubject(r, rp.rpId, now + 900), true),
        );
        return [[{ guardianKid: alice.key.approvalKey.kid, signature, notAfter: now + 900 }], r];
      },
      'approval_invalid',
    ],
    [
      'a lapsed approval',
      () => {
        const r = request();
        return [[approve(alice, r, now - 1)], r];
      },
      'approval_expired',
    ],
    [
      'an approval valid for more than a day',
      () => {
        const r = request();
        return [[approve(alice, r, now + 90_000)], r];
      },
      'approval_invalid',
    ],
  ];
  for (const [what, make, code] of refusals) {
    it(`refuses ${what}`, async () => {
      const [approvals, r] = make();
      await expect(verifyEnrollmentApprovals(approvals, r, rp, guardians, now)).rejects.toThrow(
        expect.objectContaining({ code }),
      );
    });
  }
});
