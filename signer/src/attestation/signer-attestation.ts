import { randomBytes } from 'node:crypto';
import {
  type AttestationVerdict,
  AttestationVerifier,
  type Attester,
  type EvidenceVerdict,
  evidenceFromWire,
  evidenceToWire,
  expectedRequesterReportData,
  ForbiddenError,
  InvalidRequestError,
  policyVerdict,
  scopesOf,
  type TokenClaims,
  tlsSpkiFrom,
  verdictProblem,
} from '@frostmint/core';
import type { AttestResponse, AttestationEvidence as WireEvidence } from '@frostmint/proto';
import type { Logger } from 'pino';
import type { SignerConfig } from '../config.ts';
import { openAttester } from './open-attester.ts';

/** Nonce bounds of `Attest` (docs/attestation.md, "REPORT_DATA binding"). */
const NONCE_MIN = 16;
const NONCE_MAX = 256;

/**
 * A signer's attestation duties: answers `Attest` (REPORT_DATA = the caller's nonce, this
 * signer's TLS key, its policy id), attaches evidence to its DKG announcements (nonce =
 * session id), verifies DKG peers' and requesters' evidence, and knows its own verdict (the
 * `signer_attestation` of its own policy input: a signer that cannot attest refuses every
 * scope whose policy requires signer attestation, whatever the coordinator says).
 *
 * @example
 * ```ts
 * const attestation = await SignerAttestation.open({ config, certPem, policyId: () => engine.id, log });
 * const { evidence, policyId } = await attestation.attest(nonce);
 * ```
 */
export class SignerAttestation {
  readonly #attester: Attester;
  readonly #verifier: AttestationVerifier;
  readonly #requesterVerifier: AttestationVerifier;
  readonly #tlsSpki: Uint8Array;
  readonly #policyId: () => string;
  readonly #log: Logger;
  /** This signer's own verdict, for the policy id it was verified under. */
  #self: { policyId: string; verdict: Promise<AttestationVerdict> } | undefined;

  private constructor(
    attester: Attester,
    verifiers: { own: AttestationVerifier; requester: AttestationVerifier },
    tlsSpki: Uint8Array,
    policyId: () => string,
    log: Logger,
  ) {
    this.#attester = attester;
    this.#verifier = verifiers.own;
    this.#requesterVerifier = verifiers.requester;
    this.#tlsSpki = tlsSpki;
    this.#policyId = policyId;
    this.#log = log;
  }

  /**
   * Opens the configured attester (a signer configured for `snp` on a machine without
   * SEV-SNP stops here with `attestation_unavailable`) and verifies this signer's own
   * evidence once.
   *
   * @example
   * ```ts
   * const attestation = await SignerAttestation.open({ config, certPem, policyId: () => id, log });
   * ```
   */
  static async open(options: {
    config: SignerConfig;
    certPem: string;
    policyId: () => string;
    log: Logger;
    /** Replaces the configured attester (tests: a fake SEV-SNP guest). */
    attester?: Attester;
  }): Promise<SignerAttestation> {
    const { config, log } = options;
    const attester = options.attester ?? (await openAttester(config.attestation));
    const verifier = await AttestationVerifier.fromConfig(config.attestationVerifier);
    const requester = config.requesterAttestationVerifier
      ? await AttestationVerifier.fromConfig(config.requesterAttestationVerifier)
      : verifier;
    const self = new SignerAttestation(
      attester,
      { own: verifier, requester },
      tlsSpkiFrom(Buffer.from(options.certPem)),
      options.policyId,
      log,
    );
    if (attester.kind === 'none') {
      log.info('attestation "none": scopes that require signer attestation are refused');
    } else if (options.policyId()) {
      await self.selfVerdict(); // now, so the start-up log says whether it verifies
    }
    return self;
  }

  /**
   * This signer's own verdict, its policy input `signer_attestation`: it attests to itself
   * with a random nonce and verifies the evidence with its own verifier, once per policy id
   * (the binding names it); a collection failure is not cached. `{verified: false}` for `none`.
   *
   * @example
   * ```ts
   * enforcePolicy(engine, checked, requester, { now, log, attestation: { signer: await attestation.selfVerdict() } });
   * ```
   */
  selfVerdict(): Promise<AttestationVerdict> {
    if (this.#attester.kind === 'none') return Promise.resolve({ verified: false });
    const policyId = this.#policyId();
    if (this.#self?.policyId !== policyId) {
      this.#self = { policyId, verdict: this.#verifySelf(policyId) };
    }
    return this.#self.verdict;
  }

  /**
   * `Attest`: evidence for the caller's nonce (16–256 bytes, checked here).
   *
   * @throws InvalidRequestError `attestation_nonce_invalid`.
   * @example
   * ```ts
   * const { evidence, policyId } = await attestation.attest(randomBytes(32));
   * ```
   */
  async attest(nonce: Uint8Array): Promise<AttestResponse> {
    if (nonce.length < NONCE_MIN || nonce.length > NONCE_MAX) {
      throw new InvalidRequestError(
        'attestation_nonce_invalid',
        `the nonce must be ${NONCE_MIN}..${NONCE_MAX} bytes, got ${nonce.length}`,
      );
    }
    const policyId = this.#policyId();
    const evidence = await this.#attester.attest({ nonce, tlsSpki: this.#tlsSpki, policyId });
    return { evidence: evidenceToWire(evidence), policyId };
  }

  /**
   * Evidence for a DKG announcement (nonce = session id), or undefined when this signer
   * cannot attest (attester `none`).
   *
   * @example
   * ```ts
   * const attestation = await signerAttestation.forDkg(params.sessionId);
   * ```
   */
  async forDkg(sessionId: Uint8Array): Promise<WireEvidence | undefined> {
    if (this.#attester.kind === 'none') return undefined;
    return (await this.attest(sessionId)).evidence;
  }

  /**
   * Verifies a DKG peer's announcement evidence: REPORT_DATA must bind the session id, the
   * TLS key of the peer's (already verified) announcement certificate, and this signer's
   * policy id (a group runs one policy bundle).
   *
   * @throws ForbiddenError `dkg_peer_attestation_failed` naming the peer and the failed check.
   * @example
   * ```ts
   * await attestation.verifyPeer(a.signerId, a.attestation, a.certificatePem, params.sessionId);
   * ```
   */
  async verifyPeer(
    peer: number,
    wire: WireEvidence | undefined,
    certificatePem: string,
    sessionId: Uint8Array,
  ): Promise<void> {
    const refuse = (why: string) =>
      new ForbiddenError(
        'dkg_peer_attestation_failed',
        `signer ${peer} did not attest: ${why}; no DKG material is sent to it`,
      );
    if (!wire) throw refuse('its announcement carries no attestation evidence');
    let verdict: EvidenceVerdict;
    try {
      const tlsSpki = tlsSpkiFrom(Buffer.from(certificatePem));
      verdict = await this.#verifier.verify(evidenceFromWire(wire), {
        nonce: sessionId,
        tlsSpki,
        policyId: this.#policyId(),
      });
    } catch (err) {
      throw refuse((err as Error).message);
    }
    const problem = verdictProblem(verdict);
    if (problem) throw refuse(problem);
    this.#log.info({ peer, verdict: policyVerdict(verdict) }, 'DKG peer attestation verified');
  }

  /**
   * The requester's verdict for a token this signer is asked to co-sign: REPORT_DATA must
   * bind the token's `sub`, `aud` and scopes in the window of its `iat` (or the one before).
   * Undefined when the request carries no evidence; malformed evidence throws.
   *
   * @throws AttestationFormatError for a malformed report or certificate table.
   * @example
   * ```ts
   * const requesterAttestation = await attestation.verifyRequester(req.requesterAttestation, claims);
   * ```
   */
  async verifyRequester(
    wire: WireEvidence | undefined,
    claims: TokenClaims,
  ): Promise<AttestationVerdict | undefined> {
    if (!wire) return undefined;
    const expected = expectedRequesterReportData(
      { subject: claims.sub, audience: claims.aud, scopes: scopesOf(claims) },
      claims.iat,
    );
    const verdict = await this.#requesterVerifier.verify(evidenceFromWire(wire), expected);
    const problem = verdictProblem(verdict);
    if (problem) this.#log.warn({ jti: claims.jti, problem }, 'requester attestation failed');
    return policyVerdict(verdict);
  }

  async #verifySelf(policyId: string): Promise<AttestationVerdict> {
    const nonce = randomBytes(32);
    const binding = { nonce, tlsSpki: this.#tlsSpki, policyId };
    let verdict: EvidenceVerdict;
    try {
      verdict = await this.#verifier.verify(await this.#attester.attest(binding), binding);
    } catch (err) {
      // Not cached: the next request tries again.
      if (this.#self?.policyId === policyId) this.#self = undefined;
      this.#log.error(
        { err },
        'cannot attest to itself: scopes that require signer attestation are refused',
      );
      return { verified: false };
    }
    const problem = verdictProblem(verdict);
    if (problem) {
      this.#log.error(
        { problem },
        "this signer's own SEV-SNP evidence does NOT verify: scopes that require signer attestation are refused",
      );
    } else {
      this.#log.info({ verdict: policyVerdict(verdict) }, 'own SEV-SNP attestation verified');
    }
    return policyVerdict(verdict);
  }
}
