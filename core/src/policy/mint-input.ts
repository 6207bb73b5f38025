import type { AttestationVerdict, PolicyInput } from './input.ts';

/** What an evaluator knows about a mint, from verified evidence and the token it builds. */
export interface MintFacts {
  readonly requester: PolicyInput['requester'];
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly ttl: number;
  readonly justification?: string;
  /** Ids of guardians whose approval of this exact request verified. */
  readonly approvals: readonly string[];
  /** The evaluator's own clock, unix seconds. */
  readonly now: number;
  /** The signers' SEV-SNP verdict as this evaluator established it. */
  readonly signerAttestation?: AttestationVerdict;
  /** The requester's SEV-SNP verdict, when the request carried evidence. */
  readonly requesterAttestation?: AttestationVerdict;
  /** The token is bound to a key whose DPoP proof this evaluator verified (`cnf.jkt`). */
  readonly dpopBound?: boolean;
  /**
   * The requester's address (`request.source_address`): only the coordinator sees the
   * connection; `null` when it cannot know it. Signers leave it out.
   */
  readonly sourceAddress?: string | null;
}

/**
 * The one way coordinator and signers turn mint facts into policy input, so both decide
 * on the same document.
 *
 * @example
 * ```ts
 * const decision = engine.evaluate(mintPolicyInput({ requester, scopes, audience, ttl, approvals: [], now }));
 * ```
 */
export function mintPolicyInput(facts: MintFacts): PolicyInput {
  return {
    now: facts.now,
    requester: facts.requester,
    request: {
      scopes: [...facts.scopes],
      audience: facts.audience,
      ttl: facts.ttl,
      ...(facts.justification === undefined ? {} : { justification: facts.justification }),
      ...(facts.sourceAddress === undefined ? {} : { source_address: facts.sourceAddress }),
    },
    approvals: [...facts.approvals],
    ...(facts.signerAttestation ? { signer_attestation: facts.signerAttestation } : {}),
    ...(facts.requesterAttestation ? { requester_attestation: facts.requesterAttestation } : {}),
    dpop_bound: facts.dpopBound === true,
  };
}
