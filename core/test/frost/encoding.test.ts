import { describe, expect, it } from 'vitest';
import {
  checkPoint,
  decodeCommitment,
  encodeCommitment,
  groupPublicKeyFromJson,
  groupPublicKeyToJson,
  loadGroup,
} from '../../src/index.ts';
import { badPoints, dealKey, toHex } from './support.ts';

const code = (c: string) => expect.objectContaining({ code: c });

describe('wire and config encodings', () => {
  const { pub, shares } = dealKey();
  const group = loadGroup(pub);

  it('round-trips a commitment through its 64-byte form', () => {
    const { commitment } = group.commit(shares[0]!);
    const bytes = encodeCommitment(commitment);
    expect(bytes.length).toBe(64);
    const back = decodeCommitment(1, bytes);
    expect(toHex(back.hiding)).toBe(toHex(commitment.hiding));
    expect(toHex(back.binding)).toBe(toHex(commitment.binding));
    expect(back.id).toBe(1);
  });

  it('refuses commitments of the wrong length or with invalid points', () => {
    const { commitment } = group.commit(shares[0]!);
    const bytes = encodeCommitment(commitment);
    expect(() => decodeCommitment(1, bytes.slice(1))).toThrow(code('frost_bad_length'));
    for (const bad of badPoints.filter((p) => p.bytes.length === 32)) {
      expect(() => decodeCommitment(1, Buffer.concat([bad.bytes, commitment.binding]))).toThrow(
        code(bad.code),
      );
      expect(() => decodeCommitment(1, Buffer.concat([commitment.hiding, bad.bytes]))).toThrow(
        code(bad.code),
      );
      expect(() => checkPoint(bad.bytes)).toThrow(code(bad.code));
    }
  });

  it('round-trips a group public key through JSON', () => {
    const json = JSON.parse(JSON.stringify(groupPublicKeyToJson(pub)));
    expect(Object.keys(json.verifyingShares)).toEqual(['1', '2', '3']);
    const back = groupPublicKeyFromJson(json);
    expect(groupPublicKeyToJson(back)).toEqual(groupPublicKeyToJson(pub));
  });

  it('parses group JSON strictly', () => {
    const good = groupPublicKeyToJson(pub);
    const shares = good.verifyingShares;
    const bad: unknown[] = [
      null,
      [],
      'x',
      { ...good, extra: 1 },
      { ...good, threshold: '2' },
      { ...good, groupKey: good.groupKey.toUpperCase() },
      { ...good, groupKey: good.groupKey.slice(2) },
      { ...good, verifyingShares: [] },
      { ...good, verifyingShares: { ...shares, '01': shares['1'] } },
      { ...good, verifyingShares: { '1': shares['1'], '2': shares['2'], '0': shares['3'] } },
      { ...good, verifyingShares: { '1': shares['1'], '2': shares['2'] } },
      { ...good, verifyingShares: { ...shares, '3': shares['1'] } },
    ];
    for (const json of bad)
      expect(() => groupPublicKeyFromJson(json)).toThrow(code('frost_invalid_group'));
    expect(() => groupPublicKeyFromJson({ ...good, groupKey: '00'.repeat(32) })).toThrow(
      code('frost_invalid_point'),
    );
  });
});
