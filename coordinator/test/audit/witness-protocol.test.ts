import { describe, expect, it } from 'vitest';
import {
  addCheckpointBody,
  MAX_PROOF_LINES,
  parseCosignatureLines,
  parseKnownSize,
} from '../../src/audit/witness/protocol.ts';

/** C2SP tlog-witness wire format: what the client sends, what it accepts back. */
describe('tlog-witness add-checkpoint wire format', () => {
  const note =
    'example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.com/log AAAAAQ==\n';
  const hash = new Uint8Array(32).fill(7);

  it('writes `old N`, one base64 line per proof hash, a blank line, then the note', () => {
    expect(addCheckpointBody({ oldSize: 1, proof: [hash, hash], note })).toBe(
      `old 1\n${Buffer.from(hash).toString('base64')}\n${Buffer.from(hash).toString('base64')}\n\n${note}`,
    );
    expect(addCheckpointBody({ oldSize: 0, proof: [], note })).toBe(`old 0\n\n${note}`);
  });

  it('refuses what the spec forbids: a proof from 0, more than 63 lines, a bad size', () => {
    expect(() => addCheckpointBody({ oldSize: 0, proof: [hash], note })).toThrow(RangeError);
    const long = Array.from({ length: MAX_PROOF_LINES + 1 }, () => hash);
    expect(() => addCheckpointBody({ oldSize: 5, proof: long, note })).toThrow(RangeError);
    expect(() => addCheckpointBody({ oldSize: -1, proof: [], note })).toThrow(RangeError);
  });

  it('reads a 409 size only in its exact form', () => {
    expect(parseKnownSize('5\n')).toBe(5);
    expect(parseKnownSize('0\n')).toBe(0);
    for (const bad of ['05\n', '5', ' 5\n', '-1\n', '5\n6\n', '99999999999999999999\n']) {
      expect(parseKnownSize(bad), bad).toBeUndefined();
    }
  });

  it('reads cosignature lines, and nothing else, from a 200 answer', () => {
    const text = 'example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    const lines = parseCosignatureLines(text, '— w.example/1 AAAAAQID\n');
    expect(lines).toEqual([{ name: 'w.example/1', keyId: 1, signature: Uint8Array.of(2, 3) }]);
    for (const bad of ['', 'ok\n', '— w.example/1 AAAAAQID', '— w.example/1 not-base64\n']) {
      expect(parseCosignatureLines(text, bad), bad).toBeUndefined();
    }
  });
});
