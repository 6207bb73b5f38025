import {
  asFrostmintError,
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
 * silently unbound token). The two-step prepare is hooked the same way ({@link register}).
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
    const dpop = await this.#verify(request);
    return dpop ? { ...requester, dpop } : requester;
  }

  /**
   * Hooks the other mint routes: `POST /v1/mint/requests` (the two-step WebAuthn prepare,
   * whose claims the tap then approves, `cnf` included) gets its `DPoP` header verified
   * here, the binding read back with {@link dpopBindingOf}; any other route under
   * `/v1/mint/` refuses a `DPoP` header (`dpop_unsupported`) rather than ignore it.
   */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      if (request.headers.dpop === undefined || !request.url.startsWith('/v1/mint/')) return;
      if (request.method !== 'POST' || request.url.split('?')[0] !== '/v1/mint/requests') {
        throw new InvalidRequestError(
          'dpop_unsupported',
          'DPoP binding is available on POST /v1/mint and POST /v1/mint/requests only',
        );
      }
      const dpop = await this.#verify(request);
      if (dpop) BINDINGS.set(request, dpop);
    });
  }

  async #verify(request: FastifyRequest): Promise<DpopBinding | undefined> {
    const proof = singleHeader(request.headers.dpop);
    if (proof === undefined) return undefined;
    const now = this.#now();
    const check = { issuer: this.#issuer, now, clockTolerance: this.#skew };
    try {
      const verified = await verifyMintDpopProof(proof, check);
      await spendDpopProof(verified, { ...check, replayStore: this.#replayStore });
      return { proof, jkt: verified.jkt };
    } catch (err) {
      throw asFrostmintError(err);
    }
  }
}

const BINDINGS = new WeakMap<FastifyRequest, DpopBinding>();

/**
 * The DPoP binding {@link MintDpop.register} verified for this request, if any.
 *
 * @example
 * ```ts
 * const prepared = await mints.prepare(body, sourceAddressOf(request), dpopBindingOf(request));
 * ```
 */
export function dpopBindingOf(request: FastifyRequest): DpopBinding | undefined {
  return BINDINGS.get(request);
}

/** Whatever carries an optional DPoP binding: a `Requester`, or `{dpop}` of a prepare. */
type Bound = { readonly dpop?: DpopBinding | undefined };

/** The `cnf` claim of a token minted for `requester` (RFC 9449 §6.1), or nothing. */
export function dpopClaims(requester: Bound): { cnf?: { jkt: string } } {
  return requester.dpop ? { cnf: { jkt: requester.dpop.jkt } } : {};
}

/** The proof the signers verify before co-signing a bound token, or nothing. */
export function dpopSignFields(requester: Bound): { dpopProof?: string } {
  return requester.dpop ? { dpopProof: requester.dpop.proof } : {};
}

/**
 * Refuses to park a DPoP-bound mint for guardian approvals: the proof is fresh for minutes
 * only and the resumed mint gets fresh times, so it could not be signed bound later.
 */
export function refuseDpopPending(requester: Bound): void {
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

/**
 * The DPoP binding a prepared two-step request keeps: the proof in its `evidence` column
 * (stored at prepare) and the `cnf.jkt` of its fixed claims; nothing for a bearer request.
 *
 * @example
 * ```ts
 * await quorum.sign({ …, ...dpopSignFields({ dpop: storedDpop(request) }) });
 * ```
 */
export function storedDpop(request: {
  readonly evidence: Readonly<Record<string, unknown>> | null;
  readonly claims: Readonly<Record<string, unknown>>;
}): DpopBinding | undefined {
  const proof = request.evidence?.dpop_proof;
  const jkt = (request.claims.cnf as { jkt?: unknown } | undefined)?.jkt;
  return typeof proof === 'string' && typeof jkt === 'string' ? { proof, jkt } : undefined;
}
