import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { baseMul } from '../../src/frost/point.ts';
import {
  type DkgRound1Package,
  type DkgRound2Package,
  decodeDkgRound1,
  dkgAbort,
  dkgPart1,
  dkgPart2,
  dkgPart3,
  encodeDkgRound1,
  type GroupPublicKey,
  generateDkgEnvelopeKey,
  groupPublicKeyFromJson,
  groupPublicKeyToJson,
  type KeyShare,
  loadGroup,
  openDkgPackage,
  sealDkgPackage,
} from '../../src/index.ts';
import { nodeVerifies } from './support.ts';

const params = { threshold: 2, maxSigners: 3 };
const ids = [1, 2, 3];

/** Runs DKG among three participants, relaying round-one packages through their encoding. */
function runDkg(): { shares: KeyShare[]; groups: GroupPublicKey[] } {
  const p1 = ids.map((id) => dkgPart1(id, params));
  const wire = p1.map((p) => encodeDkgRound1(p.broadcast));
  const othersOf = (id: number): DkgRound1Package[] =>
    wire.map(decodeDkgRound1).filter((b) => b.from !== id);
  const p2 = p1.map((p) => dkgPart2(p.state, othersOf(p.state.id)));
  const inbox = (id: number): DkgRound2Package[] =>
    p2.flatMap((r) => r.packages.filter((pkg) => pkg.to === id));
  const p3 = p1.map((p) => dkgPart3(p.state, othersOf(p.state.id), inbox(p.state.id)));
  return { shares: p3.map((r) => r.share), groups: p3.map((r) => r.group) };
}

describe('dealerless DKG', () => {
  it('gives every participant the same group key, and every pair signs for it', () => {
    const { shares, groups } = runDkg();
    const hex = (g: GroupPublicKey) => Buffer.from(g.groupKey).toString('hex');
    expect(new Set(groups.map(hex)).size).toBe(1);
    const group = loadGroup(groups[0]!);
    for (const pair of [
      [1, 2],
      [1, 3],
      [2, 3],
    ]) {
      const message = randomBytes(64);
      const rounds = pair.map((id) => group.commit(shares[id - 1]!));
      const commitments = rounds.map((r) => r.commitment);
      const sigShares = new Map(
        pair.map((id, i) => [
          id,
          group.signShare(shares[id - 1]!, rounds[i]!.nonces, commitments, message),
        ]),
      );
      for (const [id, z] of sigShares)
        expect(group.verifyShare(id, z, commitments, message)).toBe(true);
      const signature = group.aggregate(commitments, message, sigShares);
      expect(nodeVerifies(group.publicKey.groupKey, message, signature)).toBe(true);
    }
  });

  it('rejects a round-one package with a wrong proof of knowledge', () => {
    const p1 = ids.map((id) => dkgPart1(id, params));
    const forged = { ...p1[1]!.broadcast, proofOfKnowledge: p1[2]!.broadcast.proofOfKnowledge };
    expect(() => dkgPart2(p1[0]!.state, [forged, p1[2]!.broadcast])).toThrow(
      expect.objectContaining({ code: 'frost_dkg_invalid' }),
    );
  });

  it('feeds the engine unchanged: the group survives its JSON form, every share matches its verifying share', () => {
    const { shares, groups } = runDkg();
    const group = loadGroup(groupPublicKeyFromJson(groupPublicKeyToJson(groups[0]!)));
    for (const share of shares)
      expect(
        Buffer.from(baseMul(share.signingShare)).equals(
          group.publicKey.verifyingShares.get(share.id)!,
        ),
      ).toBe(true);
  });

  it('wipes the state on abort, after which it cannot be used', () => {
    const p1 = ids.map((id) => dkgPart1(id, params));
    dkgAbort(p1[0]!.state);
    expect(() => dkgPart2(p1[0]!.state, [p1[1]!.broadcast, p1[2]!.broadcast])).toThrow();
  });

  it('rejects malformed round-one encodings', () => {
    const good = encodeDkgRound1(dkgPart1(1, params).broadcast);
    for (const bad of [
      good.slice(1),
      Buffer.concat([good, Buffer.from([0])]),
      Buffer.from([0, ...good.slice(1)]),
    ]) {
      expect(() => decodeDkgRound1(bad)).toThrow(
        expect.objectContaining({ code: 'frost_dkg_invalid' }),
      );
    }
  });
});

describe('sealed round-two packages (HPKE)', () => {
  const sessionId = randomBytes(32);
  const pkg: DkgRound2Package = { from: 2, to: 1, signingShare: randomBytes(32) };

  it('open only for the addressed recipient, session and sender', async () => {
    const key = await generateDkgEnvelopeKey();
    const other = await generateDkgEnvelopeKey();
    const sealed = await sealDkgPackage(key.publicKey, pkg, sessionId);
    const opened = await openDkgPackage(key.privateKey, sealed, { sessionId, from: 2, to: 1 });
    expect(Buffer.from(opened.signingShare).equals(Buffer.from(pkg.signingShare))).toBe(true);
    const refused = [
      () => openDkgPackage(other.privateKey, sealed, { sessionId, from: 2, to: 1 }),
      () => openDkgPackage(key.privateKey, sealed, { sessionId: randomBytes(32), from: 2, to: 1 }),
      () => openDkgPackage(key.privateKey, sealed, { sessionId, from: 3, to: 1 }),
      () =>
        openDkgPackage(
          key.privateKey,
          Buffer.concat([sealed.slice(0, -1), Buffer.from([sealed.at(-1)! ^ 1])]),
          { sessionId, from: 2, to: 1 },
        ),
      () => openDkgPackage(key.privateKey, sealed.slice(1), { sessionId, from: 2, to: 1 }),
    ];
    for (const attempt of refused)
      await expect(attempt()).rejects.toMatchObject({ code: 'frost_envelope_invalid' });
  });
});
