import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  cosignatureMessage,
  cosignatureVerifier,
  formatCheckpoint,
  formatSignedNote,
  inclusionProof,
  leafHash,
  NOTE_COSIGNATURE_V1,
  noteKeyId,
  noteSignature,
  type Receipt,
  treeHead,
  verifyReceipt,
} from '../../src/audit/index.ts';

const ORIGIN = 'frostmint.local/audit';
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

const groupSecret = ed25519.utils.randomSecretKey();
const groupKey = ed25519.getPublicKey(groupSecret);
const witnessSecret = ed25519.utils.randomSecretKey();
const witnessKey = ed25519.getPublicKey(witnessSecret);
const witness = cosignatureVerifier('witness.example/w1', witnessKey);

/** A log of 7 entries, entry 5 recording TOKEN, with a quorum-signed and witnessed checkpoint. */
function receipt(): Receipt {
  const entries = Array.from({ length: 7 }, (_, i) =>
    Buffer.from(
      JSON.stringify(
        i === 5 ? { kind: 'mint', token_sha256: hex(sha256(Buffer.from(TOKEN))) } : { i },
      ),
    ),
  );
  const leaves = entries.map(leafHash);
  const text = formatCheckpoint({ origin: ORIGIN, size: 7, root: treeHead(leaves) });
  const time = 1_796_000_000n;
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(time);
  const cosig = ed25519.sign(Buffer.from(cosignatureMessage(time, text)), witnessSecret);
  const checkpoint = formatSignedNote({
    text,
    signatures: [
      noteSignature(ORIGIN, groupKey, ed25519.sign(Buffer.from(text), groupSecret)),
      {
        name: 'witness.example/w1',
        keyId: noteKeyId('witness.example/w1', NOTE_COSIGNATURE_V1, witnessKey),
        signature: Buffer.concat([stamp, cosig]),
      },
    ],
  });
  return {
    version: 1,
    log_index: 5,
    entry: b64(entries[5]!),
    inclusion_proof: inclusionProof(leaves, 5).map(b64),
    checkpoint,
  };
}

const options = {
  groupPublicKeys: [groupKey],
  origin: ORIGIN,
  witnesses: [witness],
  witnessesRequired: 1,
  token: TOKEN,
};

/** `text` with the base64 character at `at` replaced by another valid one. */
function flipBase64(text: string, at: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const next = alphabet[(alphabet.indexOf(text[at]!) + 1) % 64]!;
  return text.slice(0, at) + next + text.slice(at + 1);
}

describe('verifyReceipt', () => {
  it('verifies an honest receipt offline, also among older group keys', () => {
    const verified = verifyReceipt(receipt(), options);
    expect(verified.logIndex).toBe(5);
    expect(verified.checkpoint.size).toBe(7);
    expect(verified.witnesses).toHaveLength(1);
    expect(verified.entry).toMatchObject({ kind: 'mint' });
    const older = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    expect(() =>
      verifyReceipt(receipt(), { ...options, groupPublicKeys: [older, groupKey] }),
    ).not.toThrow();
  });

  it('fails a flipped byte in the entry or in the proof as receipt_inclusion_invalid', () => {
    const r = receipt();
    expect(() => verifyReceipt({ ...r, entry: flipBase64(r.entry, 3) }, options)).toThrow(
      expect.objectContaining({ code: 'receipt_inclusion_invalid' }),
    );
    const proof = [...r.inclusion_proof];
    proof[1] = flipBase64(proof[1]!, 10);
    expect(() => verifyReceipt({ ...r, inclusion_proof: proof }, options)).toThrow(
      expect.objectContaining({ code: 'receipt_inclusion_invalid' }),
    );
    expect(() => verifyReceipt({ ...r, log_index: 4 }, options)).toThrow(
      expect.objectContaining({ code: 'receipt_inclusion_invalid' }),
    );
  });

  it('fails a flipped byte in the checkpoint or the quorum signature as receipt_signature_invalid', () => {
    const r = receipt();
    const rootAt = r.checkpoint.indexOf('\n', ORIGIN.length + 1) + 5;
    expect(() =>
      verifyReceipt({ ...r, checkpoint: flipBase64(r.checkpoint, rootAt) }, options),
    ).toThrow(expect.objectContaining({ code: 'receipt_signature_invalid' }));
    const sizeFlipped = r.checkpoint.replace(`${ORIGIN}\n7\n`, `${ORIGIN}\n8\n`);
    expect(() => verifyReceipt({ ...r, checkpoint: sizeFlipped }, options)).toThrow(
      expect.objectContaining({ code: 'receipt_signature_invalid' }),
    );
    const sigAt = r.checkpoint.indexOf(`— ${ORIGIN} `) + ORIGIN.length + 3 + 20;
    expect(() =>
      verifyReceipt({ ...r, checkpoint: flipBase64(r.checkpoint, sigAt) }, options),
    ).toThrow(expect.objectContaining({ code: 'receipt_signature_invalid' }));
    const otherGroup = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    expect(() => verifyReceipt(r, { ...options, groupPublicKeys: [otherGroup] })).toThrow(
      expect.objectContaining({ code: 'receipt_signature_invalid' }),
    );
  });

  it('fails another origin, the wrong token, and missing or broken witness cosignatures', () => {
    const r = receipt();
    expect(() => verifyReceipt(r, { ...options, origin: 'other.example/log' })).toThrow(
      expect.objectContaining({ code: 'receipt_signature_invalid' }),
    );
    const foreign = formatCheckpoint({
      origin: 'other.example/log',
      size: 1,
      root: leafHash(Buffer.from('{}')),
    });
    const foreignNote = formatSignedNote({
      text: foreign,
      signatures: [
        noteSignature(ORIGIN, groupKey, ed25519.sign(Buffer.from(foreign), groupSecret)),
      ],
    });
    const foreignReceipt = {
      ...r,
      log_index: 0,
      entry: b64(Buffer.from('{}')),
      inclusion_proof: [],
      checkpoint: foreignNote,
    };
    expect(() => verifyReceipt(foreignReceipt, { ...options, witnessesRequired: 0 })).toThrow(
      expect.objectContaining({ code: 'receipt_origin_mismatch' }),
    );
    expect(() => verifyReceipt(r, { ...options, token: `${TOKEN}x` })).toThrow(
      expect.objectContaining({ code: 'receipt_entry_mismatch' }),
    );
    expect(() => verifyReceipt(r, { ...options, witnessesRequired: 2 })).toThrow(
      expect.objectContaining({ code: 'receipt_witnesses_missing' }),
    );
    const lines = r.checkpoint.split('\n');
    const noWitness = `${lines.slice(0, -2).join('\n')}\n`;
    expect(() => verifyReceipt({ ...r, checkpoint: noWitness }, options)).toThrow(
      expect.objectContaining({ code: 'receipt_witnesses_missing' }),
    );
    expect(() =>
      verifyReceipt({ ...r, checkpoint: noWitness }, { ...options, witnessesRequired: 0 }),
    ).not.toThrow();
    const witnessAt = r.checkpoint.length - 10;
    expect(() =>
      verifyReceipt({ ...r, checkpoint: flipBase64(r.checkpoint, witnessAt) }, options),
    ).toThrow(expect.objectContaining({ code: 'receipt_witness_invalid' }));
  });

  it('fails a malformed receipt', () => {
    const r = receipt();
    for (const bad of [
      { ...r, version: 2 },
      { ...r, extra: 1 },
      { ...r, entry: `${r.entry}!` },
      { ...r, inclusion_proof: ['AAAA'] },
      { ...r, checkpoint: 'no note' },
      null,
    ]) {
      expect(() => verifyReceipt(bad, options)).toThrow(
        expect.objectContaining({ code: 'receipt_malformed' }),
      );
    }
  });
});
