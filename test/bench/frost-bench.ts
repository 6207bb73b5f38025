// CPU per complete 2-of-3 FROST signature — both commits, both signature shares, both share
// verifications, aggregation, final verification — through the project's engine and through
// noble's high-level ed25519_FROST API, in the same run on the same key.
//
// Every party gets its own `loadGroup` (signer 1, signer 2, coordinator), as in production,
// so no party profits from work another one cached; loading the key is not counted (once
// per process). Run alone: `npx tsx test/bench/frost-bench.ts`.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type FrostGroup, type GroupPublicKey, loadGroup } from '@frostmint/core';
import { ed25519_FROST as noble } from '@noble/curves/ed25519.js';

const PROJECT_ROUNDS = 300;
const NOBLE_ROUNDS = 8;

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

/** CPU milliseconds (user + system) per call of `run`, after a warm-up. */
function cpuMsPer(rounds: number, run: () => void): number {
  for (let i = 0; i < Math.min(rounds, 20); i++) run();
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / rounds;
}

/**
 * Measures the project's FROST engine against noble's in one run.
 *
 * @example
 * ```ts
 * const { frost_sign_cpu_ms, frost_speedup } = await benchFrost();
 * ```
 */
export async function benchFrost(): Promise<Record<string, number>> {
  const { ids, deal, pub } = dealer();
  const shares = [1, 2].map((id) => ({
    id,
    signingShare: deal.secretShares[ids[id - 1]!]!.signingShare,
  }));
  const signers = shares.map(() => loadGroup(pub));
  const coordinator: FrostGroup = loadGroup(pub);

  const project = () => {
    const message = randomBytes(200);
    const rounds = shares.map((s, i) => signers[i]!.commit(s));
    const commitments = rounds.map((r) => r.commitment);
    const z = new Map(
      shares.map((s, i) => [
        s.id,
        signers[i]!.signShare(s, rounds[i]!.nonces, commitments, message),
      ]),
    );
    for (const [id, share] of z)
      if (!coordinator.verifyShare(id, share, commitments, message)) throw new Error('bad share');
    if (!coordinator.verify(message, coordinator.aggregate(commitments, message, z)))
      throw new Error('bad signature');
  };
  const nobleApi = () => {
    const message = randomBytes(200);
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
    const signature = noble.aggregate(deal.public, list, message, z);
    if (!noble.verify(signature, message, deal.public.commitments[0]!)) throw new Error('bad');
  };
  const frost_sign_cpu_ms = cpuMsPer(PROJECT_ROUNDS, project);
  const frost_noble_cpu_ms = cpuMsPer(NOBLE_ROUNDS, nobleApi);
  return {
    frost_sign_cpu_ms,
    frost_noble_cpu_ms,
    frost_speedup: frost_noble_cpu_ms / frost_sign_cpu_ms,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchFrost())) console.log(`${k}: ${v.toFixed(3)}`);
}
