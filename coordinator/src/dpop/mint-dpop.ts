import {
  type DpopReplayStore,
  InvalidRequestError,
  MemoryReplayStore,
  spendDpopProof,
  verifyMintDpopProof,
} from '@frostmint/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DpopBinding, Requester } from '../auth/types.ts';

/** Options of {@link MintDpop}. */
export interface MintDpopOptions {
  /** The coordinator's issuer URL: proofs name `POST <issuer>/v1/mint`. */
  readonly issuer: string;
  /** Allowed clock skew, seconds (the coordinator's `clockSkewSeconds`). Default 30. */
  readonly clockSkewSeconds?: number;
  readonly now?: () => number;
  /** Where proof `jti`s are remembered. Default: in memory. */
  readonly replayStore?: DpopReplayStore;
}

/**
 * DPoP (RFC 9449) at the mint endpoint: a `DPoP` header on `POST /v1/mint` is verified here
 * (§4.3, `htm` POST, `htu` the mint endpoint under the issuer, single-use), and the requester
 * gains the binding, so the token gets `cnf.jkt` and the signers get the proof to verify
 * themselves. A proof that fails is refused (400 with the SDK's code, RFC 9449 §5: never a
 * silently unbound token). Other mint paths refuse a `DPoP` header (`dpop_unsupported`).
 *
 * @example
 * ```ts
 * const dpop = new MintDpop({ issuer: config.issuer, clockSkewSeconds: 30 });
 * const requester = await dpop.bind(await authenticator.authenticate(request), request);
 * ```
 */
export class MintDpop {
  readonly #issuer: string;
  readonly #skew: number;
  readonly #now: () => number;
  readonly #replayStore: DpopReplayStore;

  constructor(options: MintDpopOptions) {
    this.#issuer = options.issuer;
    this.#skew = options.clockSkewSeconds ?? 30;
    this.#now = options.now ?? Date.now;
    this.#replayStore = options.replayStore ?? new MemoryReplayStore({ clock: this.#now });
  }

  /**
   * The requester with its DPoP binding when the request carries a valid proof; unchanged
   * without a `DPoP` header. Throws `InvalidRequestError` `dpop_proof_invalid` or
   * `dpop_proof_replayed`.
   */
  async bind(requester: Requester, request: FastifyRequest): Promise<Requester> {
    const proof = singleHeader(request.headers.dpop);
    if (proof === undefined) return requester;
    const now = this.#now();
    const check = { issuer: this.#issuer, now, clockTolerance: this.#skew };
    const verified = await verifyMintDpopProof(proof, check).catch((err: unknown) => {
      throw asBadRequest(err);
    });
    await spendDpopProof(verified, {
      now,
      clockTolerance: this.#skew,
      replayStore: this.#replayStore,
    }).catch((err: unknown) => {
      throw asBadRequest(err);
    });
    const dpop: DpopBinding = { proof, jkt: verified.jkt };
    return { ...requester, dpop };
  }

  /**
   * Refuses a `DPoP` header on the two-step (WebAuthn) mint routes under `/v1/mint/`, whose
   * tokens are not bound yet: the client would otherwise get a bearer token it did not ask for.
   */
  refuseElsewhere(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      if (request.headers.dpop !== undefined && request.url.startsWith('/v1/mint/')) {
        throw new InvalidRequestError(
          'dpop_unsupported',
          'DPoP binding is available on POST /v1/mint only',
        );
      }
    });
  }
}

/** The `cnf` claim of a token minted for `requester` (RFC 9449 §6.1), or nothing. */
export function dpopClaims(requester: Requester): { cnf?: { jkt: string } } {
  return requester.dpop ? { cnf: { jkt: requester.dpop.jkt } } : {};
}

/** The proof the signers verify before co-signing a bound token, or nothing. */
export function dpopSignFields(requester: Requester): { dpopProof?: string } {
  return requester.dpop ? { dpopProof: requester.dpop.proof } : {};
}

/**
 * Refuses to park a DPoP-bound mint for guardian approvals: the proof is fresh for minutes
 * only and the resumed mint gets fresh times, so it could not be signed bound later.
 */
export function refuseDpopPending(requester: Requester): void {
  if (requester.dpop) {
    throw new InvalidRequestError(
      'dpop_unsupported',
      'a DPoP-bound mint cannot wait for guardian approvals: mint without DPoP or get approvals first',
    );
  }
}

/** RFC 9449 §4.3 step 1: exactly one `DPoP` header (Node joins repeats with `, `). */
function singleHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.includes(',')) {
    throw new InvalidRequestError(
      'dpop_proof_invalid',
      'DPoP proof invalid: more than one DPoP header',
    );
  }
  return value;
}

function asBadRequest(err: unknown): unknown {
  if (
    err instanceof Error &&
    'code' in err &&
    typeof err.code === 'string' &&
    err.code.startsWith('dpop_')
  ) {
    return new InvalidRequestError(err.code, err.message, { cause: err });
  }
  return err;
}
