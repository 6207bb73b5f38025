import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  formatSignedNote,
  formatVerifierKey,
  NOTE_ED25519,
  noteSignature,
  noteVerifier,
  parseSignedNote,
  parseVerifierKey,
  verifierFromKey,
  verifyNote,
} from '../../src/audit/index.ts';

// Known-answer vectors, used as data only: the example of c2sp.org/signed-note §Verifier keys,
// and the keys and notes of golang.org/x/mod/sumdb/note's tests (note_test.go).
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const C2SP_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(
  1,
);
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const peter = verifierFromKey(PETER_VKEY);
const enoch = verifierFromKey(ENOCH_VKEY);

describe('C2SP signed-note', () => {
  it('computes the key IDs and verifier keys of the spec and of Go', () => {
    for (const vkey of [C2SP_VKEY, PETER_VKEY, ENOCH_VKEY]) {
      const { name, type, publicKey } = parseVerifierKey(vkey);
      expect(type).toBe(NOTE_ED25519);
      expect(formatVerifierKey(name, type, publicKey)).toBe(vkey);
      expect(noteVerifier(name, publicKey).vkey).toBe(vkey);
    }
    expect(peter.keyId).toBe(0xc74f20a3);
  });

  it('verifies the spec example note', () => {
    const { text, verified } = verifyNote(C2SP_NOTE, [verifierFromKey(C2SP_VKEY)]);
    expect(text).toBe('This is an example message.\n');
    expect(verified.map((s) => s.name)).toEqual(['example.com/foo']);
  });

  it('signs byte-for-byte as Go note.Sign does (deterministic Ed25519)', () => {
    const publicKey = ed25519.getPublicKey(PETER_SEED);
    const signature = ed25519.sign(Buffer.from(TEXT), PETER_SEED);
    const note = formatSignedNote({
      text: TEXT,
      signatures: [noteSignature('PeterNeumann', publicKey, signature)],
    });
    expect(note).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('ignores unknown keys and reports the verified signatures in order', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(verifyNote(note, [peter]).verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(verifyNote(note, [enoch, peter]).verified.map((s) => s.name)).toEqual([
      'PeterNeumann',
      'EnochRoot',
    ]);
    expect(parseSignedNote(note).signatures).toHaveLength(2);
  });

  it('refuses a note without a trusted signature, or with a bad one by a trusted key', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(() => verifyNote(note, [])).toThrow(
      expect.objectContaining({ code: 'note_unverified' }),
    );
    const bad = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(() => verifyNote(bad, [peter])).toThrow(
      expect.objectContaining({ code: 'note_signature_invalid' }),
    );
    const flipped = `${TEXT.replace('answer', 'answeR')}\n${PETER_SIG}`;
    expect(() => verifyNote(flipped, [peter])).toThrow(
      expect.objectContaining({ code: 'note_signature_invalid' }),
    );
    // Same name, another key ID: not this key, so ignored (and then unverified).
    const otherId = PETER_SIG.replace('x08g', 'xxxx');
    expect(() => verifyNote(`${TEXT}\n${otherId}`, [peter])).toThrow(
      expect.objectContaining({ code: 'note_unverified' }),
    );
    expect(() => verifyNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch])).toThrow(
      expect.objectContaining({ code: 'note_malformed' }),
    );
  });

  it('refuses the malformed notes Go refuses', () => {
    const malformed = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.repeat(101)}`,
      `${TEXT}\n${PETER_SIG.replace('AM=', 'AN=')}`, // non-canonical base64
      `${TEXT}\n— a+b x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ];
    for (const note of malformed) {
      expect(() => parseSignedNote(note), JSON.stringify(note)).toThrow(
        expect.objectContaining({ code: 'note_malformed' }),
      );
    }
    expect(() => parseSignedNote(Uint8Array.of(0xff, 0x0a, 0x0a))).toThrow(
      expect.objectContaining({ code: 'note_malformed' }),
    );
  });

  it('refuses mangled verifier keys', () => {
    const bytes = [...PETER_VKEY];
    for (let i = 0; i < bytes.length; i++) {
      const mangled = [...bytes];
      mangled[i] = String.fromCharCode(mangled[i]!.charCodeAt(0) + 1);
      expect(() => verifierFromKey(mangled.join('')), mangled.join('')).toThrow(
        expect.objectContaining({ code: 'note_malformed' }),
      );
    }
    // Unknown algorithm and wrong key length, each with a matching key ID (Go's vectors).
    expect(() =>
      verifierFromKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow();
    expect(() =>
      verifierFromKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    ).toThrow();
  });
});
