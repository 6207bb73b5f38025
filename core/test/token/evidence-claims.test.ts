import { describe, expect, it } from 'vitest';
import {
  checkClaimsFollowEvidence,
  claimsForEvidence,
  DEV_SUBJECT,
  EVIDENCE_CLAIMS,
  type EvidenceKind,
  type TokenClaims,
} from '../../src/index.ts';

type Subjectish = Pick<TokenClaims, 'sub' | 'client_id' | 'amr'>;

describe('claims follow evidence (one table for coordinator and signers)', () => {
  it('maps each evidence kind to exactly one amr and client_id', () => {
    expect(EVIDENCE_CLAIMS).toEqual({
      dev: { amr: ['dev'], client_id: 'frostmint-dev' },
      oidc: { amr: ['oidc'], client_id: 'frostmint-ci' },
      webauthn: { amr: ['webauthn'], client_id: 'frostmint-cli' },
    });
    expect(claimsForEvidence('oidc', 'repo:acme/app')).toEqual({
      sub: 'repo:acme/app',
      amr: ['oidc'],
      client_id: 'frostmint-ci',
    });
  });

  it('hands out copies: a caller cannot change the table', () => {
    claimsForEvidence('dev', DEV_SUBJECT).amr.push('webauthn');
    expect(EVIDENCE_CLAIMS.dev.amr).toEqual(['dev']);
  });

  it('accepts the claims the table yields', () => {
    for (const kind of ['dev', 'oidc', 'webauthn'] as EvidenceKind[]) {
      expect(() =>
        checkClaimsFollowEvidence(claimsForEvidence(kind, 'someone'), kind, 'someone'),
      ).not.toThrow();
    }
  });

  const cases: [EvidenceKind, Partial<Subjectish>][] = [
    ['dev', { amr: ['oidc'], client_id: 'frostmint-ci' }],
    ['dev', { amr: ['webauthn'] }],
    ['dev', { amr: undefined }],
    ['dev', { amr: [] }],
    ['dev', { amr: ['dev', 'mfa'] }],
    ['dev', { client_id: 'frostmint-ci' }],
    ['dev', { sub: 'alice@example.com' }],
    ['oidc', { amr: ['dev'] }],
    ['oidc', { client_id: 'frostmint-cli' }],
    ['oidc', { sub: 'repo:acme/other' }],
    ['webauthn', { amr: ['oidc'] }],
    ['webauthn', { amr: undefined }],
    ['webauthn', { client_id: 'frostmint-ci' }],
  ];
  it.each(cases)('refuses %s evidence with %j as claims_evidence_mismatch (403)', (kind, over) => {
    const subject = kind === 'dev' ? DEV_SUBJECT : 'someone';
    const claims = { ...claimsForEvidence(kind, subject), ...over };
    expect(() => checkClaimsFollowEvidence(claims, kind, subject)).toThrow(
      expect.objectContaining({ code: 'claims_evidence_mismatch', status: 403 }),
    );
  });
});
