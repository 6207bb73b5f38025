import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DkgRound1Package,
  type DkgRound2Package,
  decodeDkgRound1,
  decodeRefreshRound1,
  dkgPart1,
  dkgPart2,
  dkgPart3,
  encodeDkgRound1,
  encodeRefreshRound1,
  type GroupPublicKey,
  type KeyShare,
  loadGroup,
  refreshPart1,
  refreshPart2,
  refreshPart3,
  repairStep1,
  repairStep2,
  repairStep3,
} from '../../src/index.ts';

const params = { threshold: 2, maxSigners: 3 };
const ids = [1, 2, 3];

function dkg(): { shares: KeyShare[]; group: GroupPublicKey } {
  const p1 = ids.map((id) => dkgPart1(id, params));
  const wire = p1.map((p) => encodeDkgRound1(p.broadcast));
  const othersOf = (id: number): DkgRound1Package[] =>
    wire.map(decodeDkgRound1).filter((b) => b.from !== id);
  const p2 = p1.map((p) => dkgPart2(p.state, othersOf(p.state.id)));
  const inbox = (id: number) => p2.flatMap((r) => r.packages.filter((pkg) => pkg.to === id));
  const p3 = p1.map((p) => dkgPart3(p.state, othersOf(p.state.id), inbox(p.state.id)));
  return { shares: p3.map((r) => r.share), group: p3[0]!.group };
}

function refresh(
  shares: KeyShare[],
  group: GroupPublicKey,
  tamper?: (p: DkgRound2Package) => void,
) {
  const p1 = ids.map((id) => refreshPart1(id, group));
  const wire = p1.map((p) => encodeRefreshRound1(p.broadcast));
  const packages = p1.flatMap((p) =>
    refreshPart2(
      p.state,
      ids.filter((i) => i !== p.state.id),
    ),
  );
  if (tamper) tamper(packages[0]!);
  return p1.map((p, i) =>
    refreshPart3(
      p.state,
      shares[i]!,
      group,
      wire.map(decodeRefreshRound1).filter((b) => b.from !== p.state.id),
      packages.filter((pkg) => pkg.to === p.state.id),
    ),
  );
}

/** Signs `message` with `signers`: whether each share verifies, and the aggregate when all do. */
function sign(group: GroupPublicKey, signers: KeyShare[], message: Uint8Array) {
  const frost = loadGroup(group);
  const rounds = signers.map((s) => frost.commit(s));
  const commitments = rounds.map((r) => r.commitment);
  const shares = new Map(
    signers.map((s, i) => [s.id, frost.signShare(s, rounds[i]!.nonces, commitments, message)]),
  );
  const sharesVerify = signers.map((s) =>
    frost.verifyShare(s.id, shares.get(s.id)!, commitments, message),
  );
  const signature = sharesVerify.every(Boolean)
    ? frost.aggregate(commitments, message, shares)
    : undefined;
  return { sharesVerify, signature };
}

describe('proactive share refresh', () => {
  it('keeps the group key, changes every share and verifying share, and new pairs sign', () => {
    const { shares, group } = dkg();
    const refreshed = refresh(shares, group);
    const next = refreshed[0]!.group;
    expect(
      refreshed.every((r) => Buffer.from(r.group.groupKey).equals(Buffer.from(group.groupKey))),
    ).toBe(true);
    for (const r of refreshed) expect(r.group.verifyingShares).toEqual(next.verifyingShares);
    for (const id of ids) {
      expect(
        Buffer.from(next.verifyingShares.get(id)!).equals(
          Buffer.from(group.verifyingShares.get(id)!),
        ),
      ).toBe(false);
      expect(
        Buffer.from(refreshed[id - 1]!.share.signingShare).equals(
          Buffer.from(shares[id - 1]!.signingShare),
        ),
      ).toBe(false);
    }
    const message = randomBytes(48);
    for (const pair of [
      [1, 2],
      [1, 3],
      [2, 3],
    ]) {
      const { sharesVerify, signature } = sign(
        next,
        pair.map((id) => refreshed[id - 1]!.share),
        message,
      );
      expect(sharesVerify).toEqual([true, true]);
      expect(loadGroup(next).verify(message, signature!)).toBe(true);
    }
  });

  it('an old share no longer produces a valid signature share', () => {
    const { shares, group } = dkg();
    const next = refresh(shares, group);
    const mixed = sign(next[0]!.group, [shares[0]!, next[1]!.share], randomBytes(32));
    expect(mixed.sharesVerify).toEqual([false, true]);
  });

  it('names a dealer whose share does not match its commitment', () => {
    const { shares, group } = dkg();
    expect(() =>
      refresh(shares, group, (p) => {
        p.signingShare[0] = (p.signingShare[0]! + 1) & 0xff;
      }),
    ).toThrow(/does not match its commitment/);
  });
});

describe('share repair for a lost signer', () => {
  for (const [lost, helpers] of [
    [2, [1, 3]],
    [1, [2, 3]],
    [3, [1, 2]],
  ] as const) {
    it(`helpers ${helpers} rebuild signer ${lost}'s exact share, checked against its verifying share`, () => {
      const { shares, group } = dkg();
      const parts = helpers.flatMap((h) => repairStep1(helpers, lost, shares[h - 1]!));
      const sums = helpers.map((h) =>
        repairStep2(
          helpers,
          h,
          lost,
          parts.filter((p) => p.to === h),
        ),
      );
      const repaired = repairStep3(helpers, lost, sums, group.verifyingShares.get(lost)!);
      expect(
        Buffer.from(repaired.signingShare).equals(Buffer.from(shares[lost - 1]!.signingShare)),
      ).toBe(true);
      for (const part of parts)
        expect(
          Buffer.from(part.signingShare).equals(Buffer.from(shares[lost - 1]!.signingShare)),
        ).toBe(false);
    });
  }

  it('refuses a repaired share that does not match the verifying share', () => {
    const { shares, group } = dkg();
    const parts = [1, 3].flatMap((h) => repairStep1([1, 3], 2, shares[h - 1]!));
    const sums = [1, 3].map((h) =>
      repairStep2(
        [1, 3],
        h,
        2,
        parts.filter((p) => p.to === h),
      ),
    );
    sums[0]!.signingShare[1] = sums[0]!.signingShare[1]! ^ 1;
    expect(() => repairStep3([1, 3], 2, sums, group.verifyingShares.get(2)!)).toThrow(
      expect.objectContaining({ code: 'frost_repair_invalid' }),
    );
  });

  it('refuses helper sets that include the lost signer or miss a part', () => {
    const { shares } = dkg();
    expect(() => repairStep1([1, 2], 2, shares[0]!)).toThrow(/exclude the lost one/);
    const parts = repairStep1([1, 3], 2, shares[0]!);
    expect(() =>
      repairStep2(
        [1, 3],
        1,
        2,
        parts.filter((p) => p.to === 1),
      ),
    ).toThrow(/one part from every helper/);
  });
});
