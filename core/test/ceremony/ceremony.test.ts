import { testGuardian } from '@frostmint/test-support/guardian';
import { describe, expect, it } from 'vitest';
import {
  approvalInput,
  type CeremonyTranscript,
  ceremonyOutcome,
  checkApprovals,
  dkgPart1,
  dkgPart2,
  dkgPart3,
  type GuardianSet,
  groupConfigSigningInput,
  groupJwk,
  groupPublicKeyOf,
  loadGroup,
  newTranscript,
  parseGroupConfig,
  parseTranscript,
  transcriptBytes,
  transcriptDigest,
  type UnsignedGroupConfigV2,
  verifyGroupConfig,
} from '../../src/index.ts';

const guardians = ['Alice', 'Bob', 'Carol'].map(testGuardian);
const trusted: GuardianSet = { approvals: 2, guardians: guardians.map((g) => g.key) };
const pin = (id: number) => ({
  id,
  tlsName: `signer-${id}.frostmint.local`,
  certificateSha256: id.toString(16).padStart(64, '0'),
});

function dkgTranscript(): CeremonyTranscript {
  return newTranscript({
    kind: 'dkg',
    threshold: 2,
    maxSigners: 3,
    ceremonyApprovals: 2,
    signers: [pin(1), pin(2), pin(3)],
    guardians: trusted.guardians,
  });
}

const approve = (t: CeremonyTranscript, who: number) => guardians[who]!.approve(t);

describe('ceremony transcript', () => {
  it('round-trips through its canonical bytes with a stable digest', () => {
    const t = dkgTranscript();
    const again = parseTranscript(Buffer.from(JSON.stringify(t, null, 2)));
    expect(transcriptBytes(again)).toEqual(transcriptBytes(t));
    expect(transcriptDigest(again)).toEqual(transcriptDigest(t));
    expect(approvalInput(t).subarray(0, 33).toString()).toBe('frostmint/ceremony-transcript/v1\0');
  });

  it('rejects inconsistent transcripts', () => {
    const t = dkgTranscript();
    const bad = (over: object) => () =>
      parseTranscript(Buffer.from(JSON.stringify({ ...t, ...over })));
    expect(bad({ signers: [pin(2), pin(1), pin(3)] })).toThrow(/sorted/);
    expect(bad({ lost: 2 })).toThrow(/names no group or lost/);
    expect(bad({ kind: 'refresh' })).toThrow(/names the group/);
    expect(bad({ ceremonyApprovals: 4 })).toThrow(/approvals exceed/);
    expect(bad({ extra: true })).toThrow(
      expect.objectContaining({ code: 'ceremony_transcript_invalid' }),
    );
  });
});

describe('guardian approvals', () => {
  it('accepts two distinct guardians over this transcript', () => {
    const t = dkgTranscript();
    expect(checkApprovals(t, [approve(t, 0), approve(t, 2)], trusted)).toEqual(['Alice', 'Carol']);
  });

  it('counts a guardian once, and refuses forged, foreign and other-transcript approvals', () => {
    const t = dkgTranscript();
    const other = dkgTranscript();
    const code = (approvals: ReturnType<typeof approve>[]) => {
      try {
        checkApprovals(t, approvals, trusted);
        return 'accepted';
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    expect(code([approve(t, 0)])).toBe('ceremony_approvals_insufficient');
    expect(code([approve(t, 0), approve(t, 0)])).toBe('ceremony_approvals_insufficient');
    expect(code([approve(t, 0), approve(other, 1)])).toBe('ceremony_approval_invalid');
    expect(
      code([approve(t, 0), { ...approve(t, 0), guardianKid: guardians[1]!.key.approvalKey.kid }]),
    ).toBe('ceremony_approval_invalid');
    expect(code([approve(t, 0), { ...approve(t, 1), guardianKid: 'stranger' }])).toBe(
      'ceremony_approval_invalid',
    );
  });
});

describe('signed group configuration', () => {
  async function signedConfig() {
    const params = { threshold: 2, maxSigners: 3 };
    const p1 = [1, 2, 3].map((id) => dkgPart1(id, params));
    const others = (id: number) => p1.filter((p) => p.state.id !== id).map((p) => p.broadcast);
    const p2 = p1.map((p) => dkgPart2(p.state, others(p.state.id)));
    const p3 = p1.map((p) =>
      dkgPart3(
        p.state,
        others(p.state.id),
        p2.flatMap((r) => r.packages.filter((x) => x.to === p.state.id)),
      ),
    );
    const group = p3[0]!.group;
    const unsigned: UnsignedGroupConfigV2 = ceremonyOutcome(
      dkgTranscript(),
      group,
      (await groupJwk(group.groupKey)).kid,
    );
    const frost = loadGroup(groupPublicKeyOf(unsigned));
    const message = groupConfigSigningInput(unsigned);
    const signers = [p3[0]!.share, p3[2]!.share];
    const rounds = signers.map((s) => frost.commit(s));
    const commitments = rounds.map((r) => r.commitment);
    const shares = new Map(
      signers.map((s, i) => [s.id, frost.signShare(s, rounds[i]!.nonces, commitments, message)]),
    );
    const signature = Buffer.from(frost.aggregate(commitments, message, shares)).toString(
      'base64url',
    );
    return { ...unsigned, signature };
  }

  it('verifies under its own group key, and any change breaks it', async () => {
    const config = await signedConfig();
    expect(config).toMatchObject({ version: 2, epoch: 1, guardians: { approvals: 2 } });
    await verifyGroupConfig(config);
    await expect(parseGroupConfig(JSON.parse(JSON.stringify(config)), 'test')).resolves.toEqual(
      config,
    );
    const tampered = { ...config, guardians: { ...config.guardians, approvals: 1 } };
    await expect(verifyGroupConfig(tampered)).rejects.toMatchObject({
      code: 'group_config_unsigned',
    });
    await expect(parseGroupConfig({ ...config, version: 3 }, 'test')).rejects.toMatchObject({
      code: 'group_config_invalid',
    });
    expect(groupConfigSigningInput(config).subarray(0, 26).toString()).toBe(
      'frostmint/group-config/v2\0',
    );
  });

  it('still reads a legacy unsigned version 1 configuration', async () => {
    const {
      signature: _,
      guardians: __,
      epoch: ___,
      ceremony: ____,
      ...keys
    } = await signedConfig();
    const legacy = { ...keys, version: 1, createdAt: new Date().toISOString() };
    await expect(parseGroupConfig(legacy, 'legacy')).resolves.toMatchObject({ version: 1 });
  });
});
