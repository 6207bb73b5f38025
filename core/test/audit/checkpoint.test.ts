import { describe, expect, it } from 'vitest';
import {
  cosignatureTimestamp,
  formatCheckpoint,
  parseCheckpoint,
  verifierFromKey,
  verifyNote,
} from '../../src/audit/index.ts';

// c2sp.org/tlog-checkpoint's example body, and a cosignature/v1 over it made by torchwood
// v0.6.1's CosignatureSigner (filippo.io/torchwood, an independent implementation) with the
// Ed25519 seed 01 02 … 20. Data only.
const BODY =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const WITNESS_VKEY = 'witness.example.com/w1+8561c71e+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk';
const COSIGNED = `${BODY}\n— witness.example.com/w1 hWHHHgAAAABrEeju7Tb75kUYgbH76gWgQahk4RE+X/VDvuP+CF4CCWkXlrMqDpac5AMi25ANRGxoF0cKD2okxF7RnSBUaq32RtfiAw==\n`;

describe('C2SP tlog-checkpoint', () => {
  it('parses and formats the spec example', () => {
    const checkpoint = parseCheckpoint(BODY);
    expect(checkpoint.origin).toBe('example.com/behind-the-sofa');
    expect(checkpoint.size).toBe(20852163);
    expect(Buffer.from(checkpoint.root).toString('base64')).toBe(
      'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
    );
    expect(formatCheckpoint(checkpoint)).toBe(BODY);
    expect(parseCheckpoint(`${BODY}ext one\n`).extensions).toEqual(['ext one']);
    expect(formatCheckpoint({ origin: 'o', size: 0, root: new Uint8Array(32) })).toBe(
      'o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n',
    );
  });

  it('refuses malformed checkpoints', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    for (const text of [
      BODY.slice(0, -1),
      `o\n1\n`,
      `\n1\n${root}\n`,
      `o o\n1\n${root}\n`,
      `o\n01\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n1.0\n${root}\n`,
      `o\n99999999999999999999\n${root}\n`,
      `o\n1\nAAAA\n`,
      `o\n1\n${root.replace('I=', 'J=')}\n`,
      `o\n1\n${root}\n\n`,
    ]) {
      expect(() => parseCheckpoint(text), JSON.stringify(text)).toThrow(
        expect.objectContaining({ code: 'checkpoint_malformed' }),
      );
    }
  });
});

describe('C2SP tlog-cosignature cosignature/v1', () => {
  const witness = verifierFromKey(WITNESS_VKEY);

  it("verifies torchwood's cosignature and reads its timestamp", () => {
    expect(witness.vkey).toBe(WITNESS_VKEY);
    const { verified } = verifyNote(COSIGNED, [witness]);
    expect(verified).toHaveLength(1);
    expect(cosignatureTimestamp(verified[0]!.signature)).toBe(0x6b11e8een);
  });

  it('refuses it over another body, with another timestamp, or flipped', () => {
    const otherBody = COSIGNED.replace('20852163', '20852164');
    expect(() => verifyNote(otherBody, [witness])).toThrow(
      expect.objectContaining({ code: 'note_signature_invalid' }),
    );
    const sigAt = COSIGNED.lastIndexOf(' ') + 1;
    for (const at of [sigAt + 8, sigAt + 20, COSIGNED.length - 6]) {
      const chars = [...COSIGNED];
      chars[at] = chars[at] === 'A' ? 'B' : 'A';
      expect(() => verifyNote(chars.join(''), [witness]), `byte ${at}`).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^note_/) }),
      );
    }
    // The same key as an Ed25519 note key (type 0x01) has another key ID: ignored.
    const asNoteKey = verifierFromKey(
      'example.com/behind-the-sofa+40a4258c+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk',
    );
    expect(() => verifyNote(COSIGNED, [asNoteKey])).toThrow(
      expect.objectContaining({ code: 'note_unverified' }),
    );
  });
});
