// Differential tests of the engine against the reference, noble's ed25519_FROST (RFC 9591):
// many random keys, messages and signing sets; identical shares from identical nonces;
// shares from either side verify on the other; mixed shares aggregate to one signature.
import { randomBytes, randomInt } from 'node:crypto';
import { ed25519_FROST as noble } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { loadGroup, type SigningNonces } from '../../src/index.ts';
import { dealKey, nodeVerifies, toHex } from './support.ts';

const copy = (n: SigningNonces): SigningNonces => ({
  hiding: Uint8Array.from(n.hiding),
  binding: Uint8Array.from(n.binding),
});

/** A random signing set of `size` among 1..n, in random order. */
function signingSet(n: number, size: number): number[] {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, size);
}

function trial(threshold: number, maxSigners: number, size = threshold) {
  const { pub, shares, deal, nobleId } = dealKey(threshold, maxSigners);
  const group = loadGroup(pub);
  const coordinator = loadGroup(pub);
  const message = randomBytes(randomInt(0, 300));
  const ids = signingSet(maxSigners, size);
  // Round one alternates between the two implementations' commit.
  const rounds = ids.map((id, i) => {
    const share = shares[id - 1]!;
    if (i % 2 === 0) return { id, ...group.commit(share) };
    const { nonces, commitments } = noble.commit(deal.secretShares[nobleId(id)]!);
    return { id, nonces, commitment: { id, ...commitments } };
  });
  const list = rounds.map((r) => r.commitment);
  const nobleList = rounds.map((r) => ({
    identifier: nobleId(r.id),
    hiding: r.commitment.hiding,
    binding: r.commitment.binding,
  }));
  const mixed = new Map<number, Uint8Array>();
  const nobleShares: Record<string, Uint8Array> = {};
  for (const [i, r] of rounds.entries()) {
    const ours = group.signShare(shares[r.id - 1]!, copy(r.nonces), list, message);
    const theirs = noble.signShare(
      deal.secretShares[nobleId(r.id)]!,
      deal.public,
      copy(r.nonces),
      nobleList,
      message,
    );
    expect(toHex(ours)).toBe(toHex(theirs));
    expect(noble.verifyShare(deal.public, nobleList, message, nobleId(r.id), ours)).toBe(true);
    expect(coordinator.verifyShare(r.id, theirs, list, message)).toBe(true);
    const wrong = Uint8Array.from(ours);
    wrong[0]! ^= 1;
    expect(coordinator.verifyShare(r.id, wrong, list, message)).toBe(false);
    expect(noble.verifyShare(deal.public, nobleList, message, nobleId(r.id), wrong)).toBe(false);
    mixed.set(r.id, i % 2 === 0 ? ours : theirs);
    nobleShares[nobleId(r.id)] = i % 2 === 0 ? theirs : ours;
  }
  const signature = coordinator.aggregate(list, message, mixed);
  expect(toHex(signature)).toBe(
    toHex(noble.aggregate(deal.public, nobleList, message, nobleShares)),
  );
  expect(coordinator.verify(message, signature)).toBe(true);
  expect(nodeVerifies(pub.groupKey, message, signature)).toBe(true);
  expect(noble.verify(signature, message, pub.groupKey)).toBe(true);
}

describe('engine vs noble ed25519_FROST (differential)', () => {
  it('2-of-3: 12 random keys, messages and signer pairs', () => {
    for (let i = 0; i < 12; i++) trial(2, 3);
  });
  it('2-of-3 with all three signing', () => trial(2, 3, 3));
  it('3-of-5: 3 random keys and signing sets', () => {
    for (let i = 0; i < 3; i++) trial(3, 5);
  });
});
