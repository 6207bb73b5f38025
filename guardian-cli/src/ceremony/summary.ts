import { type CeremonyTranscript, transcriptDigest } from '@frostmint/core';

const WHAT: Record<CeremonyTranscript['kind'], string> = {
  dkg: 'distributed key generation: a NEW group key, no dealer ever holds it',
  refresh: 'proactive share refresh: new shares, the SAME group key; old shares stop working',
  'replace-signer': 'signer replacement: a new signer takes a lost one’s place, the SAME group key',
};

/**
 * What a guardian approves, in words: the kind, the group, every signer with its pinned
 * certificate fingerprint, the guardians and how many must approve, and the digest their
 * token signs.
 *
 * @example
 * ```ts
 * io.stderr(describeTranscript(transcript));
 * ```
 */
export function describeTranscript(t: CeremonyTranscript): string {
  const lines = [
    `Ceremony     ${t.kind}: ${WHAT[t.kind]}`,
    `Ceremony id  ${t.ceremonyId}`,
    `Digest       ${transcriptDigest(t).toString('base64url')}`,
    `Valid        ${t.createdAt} … ${t.notAfter}`,
    `Threshold    ${t.threshold} of ${t.maxSigners} signers; ${t.ceremonyApprovals} guardian approval(s) per ceremony`,
  ];
  if (t.group)
    lines.push(`Group key    ${t.group.kid} (epoch ${t.group.epoch} → ${t.group.epoch + 1})`);
  if (t.lost !== undefined)
    lines.push(`Replaces     signer ${t.lost} (new TLS identity and share vault)`);
  lines.push(
    'Signers (compare each fingerprint with its operator: openssl x509 -noout -fingerprint -sha256):',
  );
  for (const s of t.signers) {
    const role = s.id === t.lost ? ' ← replacement' : '';
    lines.push(`  ${s.id}  ${s.tlsName}  ${fingerprint(s.certificateSha256)}${role}`);
  }
  lines.push('Guardians:');
  if (t.guardians.length === 0) lines.push('  (none: DEV-UNGUARDED)');
  const width = Math.max(0, ...t.guardians.map((g) => g.name.length));
  for (const g of t.guardians)
    lines.push(`  ${g.name.padEnd(width)}  approval key ${g.approvalKey.kid}`);
  return `${lines.join('\n')}\n`;
}

/** `ab:cd:…` uppercase, as openssl prints it. */
function fingerprint(hex: string): string {
  return hex.toUpperCase().match(/../g)!.join(':');
}
