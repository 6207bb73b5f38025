import type { JSONWebKeySet } from 'jose';
import { DPOP_MAX_AGE } from './dpop/proof.ts';
import { type DpopReplayStore, MemoryReplayStore } from './dpop/replay.ts';
import { type VerifierEvent, warnOnFailure } from './events.ts';

/** Largest accepted `clockTolerance`, in seconds: more would make `exp` meaningless. */
export const MAX_CLOCK_TOLERANCE = 300;
/** Longest token lifetime (`exp − iat`) accepted, in seconds: frostmint's hard cap. */
export const MAX_TOKEN_LIFETIME = 900;

/** Options of `createVerifier`. Token times are in seconds (as in JWTs), cache times in ms. */
export interface VerifierOptions {
  /** Exact `iss` to accept, e.g. `https://mint.example`. */
  issuer: string;
  /** This service's audience; a token must name (one of) it in `aud`. */
  audience: string | readonly string[];
  /** A fixed key set (no network). Exactly one of `jwks` and `jwksUri`. */
  jwks?: JSONWebKeySet;
  /** The issuer's JWKS URL; `https:` (plain `http:` only on loopback). */
  jwksUri?: string | URL;
  /** Keep verifying from cache for this long after the last successful fetch. Default 24 h. */
  maxStaleness?: number;
  /** Background refresh period. Default 5 min. */
  refreshInterval?: number;
  /** Minimum time between two fetches, e.g. for unknown kids. Default 30 s. */
  cooldown?: number;
  /** Timeout of one JWKS fetch. Default 5 s. */
  timeout?: number;
  /** The `fetch` used for the JWKS. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Allowed clock skew for `exp`, `nbf`, `iat`, in seconds. Default 30, at most 300. */
  clockTolerance?: number;
  /** Reject tokens whose `iat` is older than this, in seconds. Default 900 (frostmint's TTL cap). */
  maxTokenAge?: number;
  /**
   * Reject tokens whose lifetime `exp − iat` exceeds this, in seconds. Default and maximum
   * 900: frostmint signers never co-sign a longer one.
   */
  maxTokenLifetime?: number;
  /** Current time in ms since the epoch. Default `Date.now`; inject one in tests. */
  clock?: () => number;
  /** Told about JWKS refreshes and failures. Default: warn on stderr when a refresh fails. */
  onEvent?: (event: VerifierEvent) => void;
  /** DPoP (RFC 9449) proof checking, for `cnf`-bound tokens. */
  dpop?: DpopOptions;
}

/** DPoP settings of {@link VerifierOptions}. */
export interface DpopOptions {
  /** A proof is accepted for ±(maxAge + clockTolerance) around its `iat`, seconds. Default 60, at most 300. */
  maxAge?: number;
  /**
   * Where proof `jti`s are remembered (single use). Default: a {@link MemoryReplayStore} of
   * 100 000 entries in this process; share one store between instances behind a balancer.
   */
  replayStore?: DpopReplayStore;
}

/** {@link VerifierOptions} with defaults applied and every value checked. */
export interface ResolvedOptions {
  readonly issuer: string;
  readonly audience: string[];
  readonly keys: { readonly jwks: JSONWebKeySet } | { readonly jwksUri: URL };
  readonly maxStaleness: number;
  readonly refreshInterval: number;
  readonly cooldown: number;
  readonly timeout: number;
  readonly fetch: typeof fetch;
  readonly clockTolerance: number;
  readonly maxTokenAge: number;
  readonly maxTokenLifetime: number;
  readonly clock: () => number;
  readonly onEvent: (event: VerifierEvent) => void;
  readonly dpopMaxAge: number;
  readonly dpopReplayStore: DpopReplayStore;
}

/**
 * Applies defaults and rejects a misconfiguration at startup (`TypeError`/`RangeError`)
 * rather than at the first request.
 *
 * @example
 * ```ts
 * const resolved = resolveOptions({ issuer, audience: 'deploy-api', jwksUri });
 * resolved.maxStaleness; // 86_400_000
 * ```
 */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const { issuer, audience, jwks, jwksUri, onEvent = warnOnFailure, dpop = {} } = options;
  const clock = options.clock ?? Date.now;
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('issuer is required');
  const audiences = typeof audience === 'string' ? [audience] : [...(audience ?? [])];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new TypeError('audience must be a non-empty string or list of strings');
  }
  if ((jwks === undefined) === (jwksUri === undefined)) {
    throw new TypeError('give exactly one of jwks and jwksUri');
  }
  const refreshInterval = duration('refreshInterval', options.refreshInterval, 5 * 60_000);
  const maxStaleness = duration('maxStaleness', options.maxStaleness, 24 * 3_600_000);
  if (maxStaleness < refreshInterval) {
    throw new RangeError('maxStaleness must be at least refreshInterval');
  }
  return {
    issuer,
    audience: audiences,
    keys: jwks === undefined ? { jwksUri: secureUrl(jwksUri!) } : { jwks },
    maxStaleness,
    refreshInterval,
    cooldown: duration('cooldown', options.cooldown, 30_000, 0),
    timeout: duration('timeout', options.timeout, 5_000),
    fetch: options.fetch ?? globalThis.fetch,
    clockTolerance: duration('clockTolerance', options.clockTolerance, 30, 0, MAX_CLOCK_TOLERANCE),
    maxTokenAge: duration('maxTokenAge', options.maxTokenAge, 900),
    maxTokenLifetime: duration(
      'maxTokenLifetime',
      options.maxTokenLifetime,
      MAX_TOKEN_LIFETIME,
      1,
      MAX_TOKEN_LIFETIME,
    ),
    clock,
    dpopMaxAge: duration('dpop.maxAge', dpop.maxAge, DPOP_MAX_AGE, 1, MAX_CLOCK_TOLERANCE),
    dpopReplayStore: dpop.replayStore ?? new MemoryReplayStore({ clock }),
    onEvent: (event) => {
      try {
        onEvent(event);
      } catch {
        // A failing listener must not break key refresh; the event is informational.
      }
    },
  };
}

function duration(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 1,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number in [${min}, ${max}]`);
  }
  return value;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function secureUrl(value: string | URL): URL {
  const url = new URL(value);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    return url;
  throw new TypeError(`jwksUri must be https (plain http only on loopback): ${url.href}`);
}
