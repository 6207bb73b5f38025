import { readFile } from 'node:fs/promises';
import { type EnrollmentCertificate, loadPolicyEngine } from '@frostmint/core';
import { describe, expect, it } from 'vitest';
import { checkStillEnrolled } from '../src/webauthn/still-enrolled.ts';

const cert = (over: Partial<EnrollmentCertificate> = {}): EnrollmentCertificate => ({
  v: 1,
  cert_id: 'A'.repeat(22),
  sub: 'carol@example.com',
  roles: ['developer', 'releaser'],
  iat: 1_800_000_000,
  exp: 1_800_086_400,
  kid: 'kid',
  credential_id: 'Y3JlZA',
  public_key: 'cGs',
  signature: 'A'.repeat(86),
  ...over,
});

describe('signers refuse certificates the enrollment policy no longer grants', () => {
  const load = async (
    edit: (data: { config: { enrollment: { users: Record<string, string[]> } } }) => void,
  ) => {
    const data = JSON.parse(
      await readFile(new URL('../../policy/data.json', import.meta.url), 'utf8'),
    );
    edit(data);
    return loadPolicyEngine({
      wasm: await readFile(new URL('../../policy/build/policy.wasm', import.meta.url)),
      data,
    });
  };

  it('accepts a granted certificate even when its roles needed approvals at issuance', async () => {
    const policy = await load(() => {});
    expect(() => checkStillEnrolled(policy, cert(), 1_800_000_100)).not.toThrow();
  });

  it('refuses once the user or a role is removed from policy data', async () => {
    const removed = await load((d) => {
      delete d.config.enrollment.users['carol@example.com'];
    });
    expect(() => checkStillEnrolled(removed, cert(), 1_800_000_100)).toThrow(
      expect.objectContaining({ code: 'enrollment_revoked_by_policy' }),
    );
    const demoted = await load((d) => {
      d.config.enrollment.users['carol@example.com'] = ['developer'];
    });
    expect(() => checkStillEnrolled(demoted, cert(), 1_800_000_100)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('role_not_granted:releaser') }),
    );
  });
});
