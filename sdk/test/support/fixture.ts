import { createVerifier, type Verifier } from '../../src/index.ts';
import { ManualClock } from './clock.ts';
import { AUDIENCE, ISSUER, mint, newSigningKey, type SigningKey } from './tokens.ts';

/** A verifier trusting one fresh key (static JWKS) on a manual clock, and a token minter. */
export interface VerifierFixture {
  readonly key: SigningKey;
  readonly clock: ManualClock;
  readonly verifier: Verifier;
  /** Mints a token with `key` at the fixture's clock. */
  token(options?: Parameters<typeof mint>[1]): Promise<string>;
}

export async function verifierFixture(): Promise<VerifierFixture> {
  const key = await newSigningKey();
  const clock = new ManualClock();
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [key.jwk] },
    clock: clock.now,
  });
  return {
    key,
    clock,
    verifier,
    token: (options = {}) => mint(key, { now: clock.seconds, ...options }),
  };
}
