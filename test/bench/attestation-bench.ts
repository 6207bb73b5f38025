// SEV-SNP evidence verification latency: a report signed by a test chain (RSA-PSS ARK/ASK,
// P-384 VCEK in the certificate table), verified by the production code as a coordinator
// verifies a signer's or a requester's evidence (parse, chain, VCEK match, signature, checks).
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { AttestationVerifier, reportDataFor } from '@frostmint/core';
import { createTestChain, fakeReport, vcekTable } from '../support/fake-sev-guest.ts';

const ITERATIONS = 200;

export async function benchAttestation(): Promise<Record<string, number>> {
  const chain = await createTestChain('Milan');
  const { publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign'],
  );
  const binding = {
    nonce: randomBytes(32),
    tlsSpki: new Uint8Array(await crypto.subtle.exportKey('spki', publicKey)),
    policyId: 'sha256:bench',
  };
  const evidence = {
    kind: 'snp' as const,
    report: await fakeReport(chain, reportDataFor(binding)),
    certTable: vcekTable(chain),
  };
  const verifier = new AttestationVerifier({ trustAnchors: [chain.anchor] });
  for (let i = 0; i < 20; i++) await verifier.verify(evidence, binding);
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    const verdict = await verifier.verify(evidence, binding);
    samples.push(performance.now() - t0);
    if (!verdict.verified) throw new Error('bench evidence does not verify');
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.floor(p * samples.length)]!;
  return { attestation_verify_p50_ms: pct(0.5), attestation_verify_p99_ms: pct(0.99) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [k, v] of Object.entries(await benchAttestation()))
    console.log(`${k}: ${v.toFixed(3)}`);
}
