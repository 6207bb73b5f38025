// CPU per complete 2-of-3 FROST signature — both commits, both signature shares, both share
// verifications, aggregation, final verification — through the project's engine and
// through noble's high-level ed25519_FROST API, in the same run on the same key.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type GroupPublicKey, loadGroup } from '@frostmint/core';
import { ed25519_FROST as noble } from '@noble/curves/ed25519.js';

const ROUNDS = 20;

function dealer() {
  const ids = [1, 2, 3].map((n) => noble.Identifier.fromNumber(n));
  const deal = noble.trustedDealer({ min: 2, max: 3 }, ids);
  const pub: GroupPublicKey = {
    threshold: 2,
    maxSigners: 3,
    groupKey: deal.public.commitments[0]!,
    verifyingShares: new Map(ids.map((id, i) => [i + 1, deal.public.verifyingShares[id]!])),
  };
  return { ids, deal, pub };
}

function cpuMsPer(rounds: number, run: () => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / rounds;
}

export async function benchFrost(): Promise<Record<string, number>> {
  const { ids, deal, pub } = dealer();
  const group = loadGroup(pub);
  const shares = [1, 2].map((id) => ({
    id,
    signingShare: deal.secretShares[ids[id - 1]!]!.signingShare,
  }));
  const message = randomBytes(200);

  const project = () => {
    const rounds = shares.map((s) => group.commit(s));
    const commitments = rounds.map((r) => r.commitment);
    const z = new Map(
      shares.map((s, i) => [s.id, group.signShare(s, rounds[i]!.nonces, commitments, message)]),
    );
    for (const [id, share] of z)
      if (!group.verifyShare(id, share, commitments, message)) throw new Error('bad share');
    if (!group.verify(message, group.aggregate(commitments, message, z)))
      throw new Error('bad signature');
  };
  const nobleApi = () => {
    const secrets = [ids[0]!, ids[1]!].map((id) => deal.secretShares[id]!);
    const rounds = secrets.map((s) => noble.commit(s));
    const list = rounds.map((r) => r.commitments);
    const z = Object.fromEntries(
      secrets.map((s, i) => [
        s.identifier,
        noble.signShare(s, deal.public, rounds[i]!.nonces, list, message),
      ]),
    );
    for (const s of secrets)
      if (!noble.verifyShare(deal.public, list, message, s.identifier, z[s.identifier]!))
        throw new Error('bad share');
    if (
      !noble.verify(
        noble.aggregate(deal.public, list, message, z),
        message,
        deal.public.commitments[0]!,
      )
    )
      throw new Error('bad');
  };
  project();
  nobleApi();
  const frost_sign_cpu_ms = cpuMsPer(ROUNDS, project);
  const frost_noble_cpu_ms = cpuMsPer(ROUNDS, nobleApi);
  return {
    frost_sign_cpu_ms,
    frost_noble_cpu_ms,
    frost_speedup: frost_noble_cpu_ms / frost_sign_cpu_ms,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchFrost())) console.log(`${k}: ${v.toFixed(3)}`);
}
