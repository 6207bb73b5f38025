import {
  type AttestationVerdict,
  type AttestationVerifier,
  evidenceFromWire,
  expectedRequesterReportData,
  type PolicyDecision,
  policyVerdict,
  UnavailableError,
  verdictProblem,
} from '@frostmint/core';
import type { AttestationEvidence as WireEvidence } from '@frostmint/proto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { InputText } from './http/input.ts';
import type { SignerAttestations } from './signing/signer-attestations.ts';

const base64 = (maxChars: number) =>
  InputText.max(maxChars).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/**
 * `attestation` in the body of `POST /v1/mint`: the requester's SEV-SNP report and the
 * extended report's certificate table (both base64). REPORT_DATA must be the requester
 * binding (docs/attestation.md, "Requester attestation").
 */
export const RequesterAttestationBodySchema = z
  .object({
    report: base64(1_600),
    certificates: base64(12_000).optional(),
  })
  .strict();
export type RequesterAttestationBody = z.infer<typeof RequesterAttestationBodySchema>;

/** The attestation facts of one mint, for policy input and the signing request. */
export interface MintAttestationFacts {
  readonly signerAttestation: AttestationVerdict;
  readonly requesterAttestation?: AttestationVerdict;
  /** The requester's evidence as forwarded to every signer. */
  readonly requesterEvidence?: WireEvidence;
}

/**
 * Attestation in the mint path: the quorum's `signer_attestation` verdict, the requester's
 * evidence verified against the request it must bind, and — when the decision requires
 * signer attestation — which signers may take part.
 *
 * @example
 * ```ts
 * const facts = await mintAttestation.facts(body.attestation, { subject, audience, scopes }, iat);
 * ```
 */
export class MintAttestation {
  constructor(
    private readonly signers: SignerAttestations,
    private readonly verifier: AttestationVerifier,
    private readonly threshold: number,
    private readonly log: Logger,
  ) {}

  /**
   * The facts for a mint issued at `iat`. Malformed evidence throws (400); evidence that
   * does not verify becomes `{verified: false}` and policy decides.
   *
   * @example
   * ```ts
   * const { signerAttestation, requesterAttestation } = await mintAttestation.facts(body.attestation, request, iat);
   * ```
   */
  async facts(
    body: RequesterAttestationBody | undefined,
    request: { subject: string; audience: string; scopes: readonly string[] },
    iat: number,
  ): Promise<MintAttestationFacts> {
    const signerAttestation = this.signers.quorumVerdict(this.threshold);
    if (!body) return { signerAttestation };
    const requesterEvidence: WireEvidence = {
      kind: 'snp',
      report: Buffer.from(body.report, 'base64'),
      certificates: Buffer.from(body.certificates ?? '', 'base64'),
    };
    const verdict = await this.verifier.verify(
      evidenceFromWire(requesterEvidence),
      expectedRequesterReportData(request, iat),
    );
    const problem = verdictProblem(verdict);
    if (problem) this.log.warn({ sub: request.subject, problem }, 'requester attestation failed');
    return { signerAttestation, requesterAttestation: policyVerdict(verdict), requesterEvidence };
  }

  /**
   * When `decision` requires signer attestation: the predicate admitting only signers with a
   * fresh verified verdict. Undefined otherwise (every healthy signer may take part).
   *
   * @example
   * ```ts
   * await driver.sign({ ...attempt, eligible: mintAttestation.eligibility(decision) });
   * ```
   */
  eligibility(decision: PolicyDecision): ((id: number) => boolean) | undefined {
    return decision.require_signer_attestation ? (id) => this.signers.isFresh(id) : undefined;
  }

  /**
   * The error for a mint denied only because too few signers have a fresh verified
   * attestation: 503 `signer_attestation_unavailable`, naming each signer's problem.
   *
   * @example
   * ```ts
   * const unavailable = mintAttestation.unavailable(decision); if (unavailable) throw unavailable;
   * ```
   */
  unavailable(decision: PolicyDecision): UnavailableError | undefined {
    if (decision.reasons.length !== 1 || decision.reasons[0] !== 'signer_attestation_missing')
      return undefined;
    const problems = this.signers
      .status()
      .filter((s) => !s.fresh)
      .map(
        (s) =>
          `signer ${s.id}: ${s.problem ?? (s.verified ? 'verdict expired' : 'not attested yet')}`,
      );
    return new UnavailableError(
      'signer_attestation_unavailable',
      `policy requires attested signers and fewer than ${this.threshold} have a fresh verified SEV-SNP attestation (${problems.join('; ')}); see /readyz`,
    );
  }
}
