import { createHash, randomBytes } from 'node:crypto';
import { DEMO_POLICY } from '@frostmint/cli';
import {
  DEFAULT_AUDIT_ORIGIN,
  type FrostmintError,
  formatCheckpoint,
  formatSignedNote,
  groupPublicKeyOf,
  leafHash,
  loadGroup,
  loadPolicyFiles,
  MerkleTree,
  noteSignature,
  noteVerifier,
  readGroupConfig,
  signingInput,
  verifyNote,
  verifyReceipt,
} from '@frostmint/core';
import { type CheckpointProofs, type InfoResponse, SigningPurpose } from '@frostmint/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rogueClient, startTestStack } from '../harness.ts';
import { askQuorum, askToSign, devTokenClaims } from '../support/rogue-sign.ts';

type Stack = Awaited<ReturnType<typeof startTestStack>>;

const ORIGIN = DEFAULT_AUDIT_ORIGIN;
const MERGE_DELAY_SECONDS = 3;
const ALL = [1, 2, 3] as const;
const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** A log the test plays coordinator for: entries, its tree, checkpoints and proofs. */
class HandLog {
  readonly entries: Buffer[] = [];

  append(...entries: object[]): this {
    for (const e of entries) this.entries.push(Buffer.from(JSON.stringify(e)));
    return this;
  }

  /** A copy of the first `size` entries, with `edit` applied. */
  fork(size: number, edit: (entries: Buffer[]) => void = () => {}): HandLog {
    const copy = new HandLog();
    copy.entries.push(...this.entries.slice(0, size));
    edit(copy.entries);
    return copy;
  }

  tree(size = this.entries.length): MerkleTree {
    const tree = new MerkleTree();
    for (const e of this.entries.slice(0, size)) tree.append(leafHash(e));
    return tree;
  }

  checkpoint(size = this.entries.length): string {
    return formatCheckpoint({ origin: ORIGIN, size, root: this.tree(size).root() });
  }

  /** Consistency proofs from `olds` and inclusion proofs of entries in [from, size). */
  proofs(olds: number[], from: number, size = this.entries.length): CheckpointProofs {
    const tree = this.tree(size);
    return {
      consistency: olds
        .filter((m) => m > 0 && m < size)
        .map((oldSize) => ({
          oldSize,
          hashes: tree.consistencyProof(oldSize).map((h) => Buffer.from(h)),
        })),
      entries: this.entries.slice(from, size).map((entry, i) => ({
        index: from + i,
        entry,
        inclusion: tree.inclusionProof(from + i).map((h) => Buffer.from(h)),
      })),
    };
  }
}

const mintEntry = (signingInputSha256 = randomBytes(32).toString('hex')) => ({
  type: 'mint',
  jti: randomBytes(8).toString('hex'),
  signing_input_sha256: signingInputSha256,
});

describe('the signer quorum as the audit log’s first witness (real signer processes, mTLS)', () => {
  let stack: Stack;
  let groupKey: Uint8Array;
  let kid: string;
  let policy: string;
  const log = new HandLog();

  beforeAll(async () => {
    // The coordinator cuts no checkpoints here: the test plays the (honest, then rogue)
    // coordinator with the coordinator's real mTLS identity.
    stack = await startTestStack({
      audit: { signers: { origin: ORIGIN, maxMergeDelaySeconds: MERGE_DELAY_SECONDS } },
    });
    const jwks = (await (await fetch(`${stack.coordinatorUrl}/.well-known/jwks.json`)).json()) as {
      keys: { x: string; kid: string }[];
    };
    groupKey = Buffer.from(jwks.keys[0]!.x, 'base64url');
    kid = jwks.keys[0]!.kid;
    policy = (await loadPolicyFiles(DEMO_POLICY)).id;
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  /** Asks all three signers to co-sign `text`; returns each answer and the quorum signature. */
  async function cosign(text: string, proofs: CheckpointProofs | undefined) {
    const message = Buffer.from(text);
    const outcomes = await askQuorum(stack, ALL, {
      message,
      purpose: SigningPurpose.SIGNING_PURPOSE_CHECKPOINT,
      checkpointProofs: proofs,
    });
    const shares = new Map<number, Uint8Array>();
    for (const [id, o] of outcomes) if ('ok' in o) shares.set(id, o.ok.signatureShare);
    const codes = ALL.map((id) => {
      const o = outcomes.get(id)!;
      return 'err' in o ? (o.err as FrostmintError).code : 'ok';
    });
    if (shares.size < ALL.length) return { codes };
    const group = loadGroup(
      groupPublicKeyOf((await readGroupConfig(stack.layout.coordinator.stateDir))!),
    );
    const commitments = outcomes.commits!.map((c) => ({
      id: c.signerId,
      hiding: c.hiding,
      binding: c.binding,
    }));
    const signature = group.aggregate(commitments, message, shares);
    const note = formatSignedNote({
      text,
      signatures: [noteSignature(ORIGIN, groupKey, signature)],
    });
    return { codes, note };
  }

  const info = (id: number) => {
    const client = rogueClient(stack, id);
    return client.call<object, InfoResponse>('info', {}).finally(() => client.close());
  };

  it('co-signs honest checkpoints: the note verifies under the JWKS group key and a receipt verifies', async () => {
    log.append(mintEntry(), mintEntry(), { type: 'denial' }, mintEntry());
    const first = await cosign(log.checkpoint(), log.proofs([], 0));
    expect(first.codes).toEqual(['ok', 'ok', 'ok']);
    expect(verifyNote(first.note!, [noteVerifier(ORIGIN, groupKey)]).text).toBe(log.checkpoint());

    log.append(mintEntry(), mintEntry(), mintEntry());
    const second = await cosign(log.checkpoint(), log.proofs([4], 4));
    expect(second.codes).toEqual(['ok', 'ok', 'ok']);
    const receipt = {
      version: 1,
      log_index: 5,
      entry: log.entries[5]!.toString('base64'),
      inclusion_proof: log
        .tree()
        .inclusionProof(5)
        .map((h) => Buffer.from(h).toString('base64')),
      checkpoint: second.note!,
    };
    expect(verifyReceipt(receipt, { groupPublicKeys: [groupKey], origin: ORIGIN }).logIndex).toBe(
      5,
    );
    for (const id of ALL) expect(Number((await info(id)).checkpointSize)).toBe(7);
  });

  it('refuses a truncated log: checkpoint_shrunk at every signer', async () => {
    const { codes } = await cosign(log.checkpoint(5), log.proofs([], 0, 5));
    expect(codes).toEqual(['checkpoint_shrunk', 'checkpoint_shrunk', 'checkpoint_shrunk']);
  });

  it('refuses another tree of the same size: checkpoint_fork at every signer', async () => {
    const forked = log.fork(6).append(mintEntry());
    const { codes } = await cosign(forked.checkpoint(), forked.proofs([], 0));
    expect(codes).toEqual(['checkpoint_fork', 'checkpoint_fork', 'checkpoint_fork']);
  });

  it('refuses a log with a rewritten old entry: checkpoint_inconsistent at every signer', async () => {
    const rewritten = log.fork(7, (entries) => {
      entries[1] = Buffer.from(JSON.stringify(mintEntry()));
    });
    rewritten.append(mintEntry(), mintEntry());
    // Its own consistency proof from size 7 leads to the rewritten tree, not the co-signed one.
    const withProof = await cosign(rewritten.checkpoint(), rewritten.proofs([7], 7));
    expect(withProof.codes).toEqual(Array(3).fill('checkpoint_inconsistent'));
    const withoutProof = await cosign(rewritten.checkpoint(), rewritten.proofs([], 7));
    expect(withoutProof.codes).toEqual(Array(3).fill('checkpoint_inconsistent'));
  });

  it('refuses malformed checkpoints, another origin and a bad inclusion proof, each with its code', async () => {
    const grown = log.fork(7).append(mintEntry());
    const other = formatCheckpoint({
      origin: 'evil.example/log',
      size: 8,
      root: grown.tree().root(),
    });
    expect((await cosign(other, grown.proofs([7], 7))).codes).toEqual(
      Array(3).fill('checkpoint_origin_mismatch'),
    );
    const jws = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0';
    expect((await cosign(jws, undefined)).codes).toEqual(Array(3).fill('checkpoint_malformed'));
    const proofs = grown.proofs([7], 7);
    proofs.entries[0]!.inclusion[0]![3]! ^= 1;
    expect((await cosign(grown.checkpoint(), proofs)).codes).toEqual(
      Array(3).fill('checkpoint_inclusion_invalid'),
    );
  });

  it('keeps its last checkpoint across a restart', async () => {
    await stack.restartSigner(2);
    expect(Number((await info(2)).checkpointSize)).toBe(7);
    const { codes } = await cosign(log.checkpoint(6), log.proofs([], 0, 6));
    expect(codes[1]).toBe('checkpoint_shrunk');
  });

  it('refuses to sign once a token it co-signed stays out of the log past the merge delay', async () => {
    const claims = devTokenClaims(stack.coordinatorUrl, policy, [1, 2]);
    const input = signingInput({ alg: 'EdDSA', typ: 'at+jwt', kid }, claims);
    // The rogue coordinator gets signer 1's share of a token and never logs it.
    const { first } = await askToSign(stack, 1, input);
    expect('ok' in first).toBe(true);
    expect((await info(1)).ready).toBe(true);
    await new Promise((r) => setTimeout(r, (MERGE_DELAY_SECONDS + 1.5) * 1000));

    const health = await info(1);
    expect(health.ready).toBe(false);
    expect(health.detail).toMatch(/not in the audit log/);
    const again = await askToSign(
      stack,
      1,
      signingInput(
        { alg: 'EdDSA', typ: 'at+jwt', kid },
        { ...claims, jti: randomBytes(16).toString('base64url') },
      ),
    );
    expect(again.first).toMatchObject({ err: { code: 'log_merge_overdue' } });
    // A checkpoint that still leaves the token out is refused by signer 1 alone.
    log.append(mintEntry());
    const without = await cosign(log.checkpoint(), log.proofs([7], 7));
    expect(without.codes).toEqual(['log_merge_overdue', 'ok', 'ok']);

    // Logged at last: a checkpoint proving it brings signer 1 back.
    log.append(mintEntry(sha256Hex(Buffer.from(input, 'latin1'))));
    const withToken = await cosign(log.checkpoint(), log.proofs([7, 8], 7));
    expect(withToken.codes).toEqual(['ok', 'ok', 'ok']);
    expect((await info(1)).ready).toBe(true);
  });
});
