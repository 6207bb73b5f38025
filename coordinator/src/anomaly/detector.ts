import { createHash } from 'node:crypto';

/** The kinds of credential-use anomaly the detector reports (a closed set: a metric label). */
export const ANOMALY_KINDS = ['rate_spike', 'new_scope', 'off_hours', 'denial_burst'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** One observed credential use: a token minted, or a mint denied by policy. */
export interface CredentialUse {
  readonly outcome: 'mint' | 'denial';
  readonly subject: string;
  readonly scopes: readonly string[];
  /** Unix milliseconds. */
  readonly at: number;
}

/** An anomaly about one subject, with the numbers that made it one. */
export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly subject: string;
  readonly detail: string;
  /** The scope that was new (`new_scope` only). */
  readonly scope?: string;
}

/** Options of {@link AnomalyDetector}; every default is in {@link DEFAULT_ANOMALY_OPTIONS}. */
export interface AnomalyDetectorOptions {
  /** Subjects tracked at most; the least recently seen one is dropped beyond (LRU). */
  readonly maxSubjects: number;
  /** Scopes remembered per subject at most (least recently requested dropped beyond). */
  readonly maxScopesPerSubject: number;
  /**
   * A subject is judged only once it has been seen this long: before, it has no baseline
   * (no rate spike, no new scope, no unusual hour). Denial bursts are judged at once.
   */
  readonly warmupMs: number;
  /** Time constant of the short-term mint rate (≈ mints in the last `shortWindowMs`). */
  readonly shortWindowMs: number;
  /** Time constant of the baseline mint rate. */
  readonly baselineWindowMs: number;
  /** A rate spike: the short-term rate is this many times the baseline rate… */
  readonly spikeFactor: number;
  /** …and at least this many mints in the short window. */
  readonly spikeMinMints: number;
  /** A denial burst: this many denials within about `shortWindowMs`. */
  readonly denialBurst: number;
  /** Unusual hours are judged once a subject's hour-of-day history holds this many mints. */
  readonly hoursMinHistory: number;
  /** An hour (with its neighbours) holding less than this share of the history is unusual. */
  readonly hoursMinShare: number;
}

export const DEFAULT_ANOMALY_OPTIONS: AnomalyDetectorOptions = {
  maxSubjects: 10_000,
  maxScopesPerSubject: 64,
  warmupMs: 24 * 3_600_000,
  shortWindowMs: 5 * 60_000,
  baselineWindowMs: 24 * 3_600_000,
  spikeFactor: 10,
  spikeMinMints: 20,
  denialBurst: 10,
  hoursMinHistory: 50,
  hoursMinShare: 0.01,
};

/** A count that decays exponentially with time constant `tau` (Σ e^(−Δt/τ) over events). */
interface Decaying {
  value: number;
  at: number;
}

interface SubjectState {
  readonly firstSeen: number;
  readonly shortRate: Decaying;
  readonly baselineRate: Decaying;
  readonly denials: Decaying;
  /** Mints per UTC hour of day; halved when the total passes 4 × `hoursMinHistory`. */
  readonly hours: Float64Array;
  /** 48-bit hashes of the scopes seen, least recently requested first. */
  readonly scopes: Map<number, true>;
  /** Hysteresis: a spike or burst is reported once, re-armed when the rate falls to half. */
  spiking: boolean;
  bursting: boolean;
  /** The UTC hour (since the epoch) an off-hours mint was last reported, once per hour. */
  offHoursReportedHour: number;
}

const HOUR_MS = 3_600_000;

/**
 * In-process anomaly detection on credential use, with memory bounded by construction:
 * at most `maxSubjects` subjects (LRU), each holding three decaying counters, 24 hour
 * buckets and at most `maxScopesPerSubject` scope hashes. It reports four kinds:
 *
 * - `rate_spike`: a subject's mints over about `shortWindowMs` are `spikeFactor` times its
 *   own baseline rate (time constant `baselineWindowMs`) and at least `spikeMinMints`;
 * - `new_scope`: a subject past its warm-up requests a scope it never requested before;
 * - `off_hours`: a subject with enough history mints in a UTC hour that (with the hours
 *   either side) holds under `hoursMinShare` of its mints;
 * - `denial_burst`: `denialBurst` policy denials for one subject within about `shortWindowMs`.
 *
 * It is pure logic over the events it is given (time comes from each event), so tests
 * drive it with a fake clock.
 *
 * @example
 * ```ts
 * const detector = new AnomalyDetector({ warmupMs: 0 });
 * const anomalies = detector.observe({ outcome: 'mint', subject: 'repo:acme/api', scopes: ['deploy:prod'], at: Date.now() });
 * ```
 */
export class AnomalyDetector {
  readonly #options: AnomalyDetectorOptions;
  readonly #subjects = new Map<string, SubjectState>();
  #evicted = 0;

  constructor(options: Partial<AnomalyDetectorOptions> = {}) {
    this.#options = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
  }

  /** Subjects held now (≤ `maxSubjects`). */
  get size(): number {
    return this.#subjects.size;
  }

  /** Subjects dropped so far to stay within `maxSubjects`. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Learns from one credential use and returns the anomalies it shows (usually none). */
  observe(use: CredentialUse): Anomaly[] {
    const o = this.#options;
    const state = this.#state(use.subject, use.at);
    const warm = use.at - state.firstSeen >= o.warmupMs;
    const found: Anomaly[] = [];
    const report = (kind: AnomalyKind, detail: string, scope?: string) =>
      found.push({ kind, subject: use.subject, detail, ...(scope ? { scope } : {}) });

    for (const scope of use.scopes) {
      if (!this.#rememberScope(state, scope) && warm) {
        report('new_scope', `first request of scope ${scope} by this subject`, scope);
      }
    }
    if (use.outcome === 'denial') {
      const denials = bump(state.denials, use.at, o.shortWindowMs);
      if (!state.bursting && denials >= o.denialBurst) {
        state.bursting = true;
        report(
          'denial_burst',
          `${denials.toFixed(1)} denials in about ${o.shortWindowMs / 60_000} min`,
        );
      } else if (state.bursting && denials < o.denialBurst / 2) {
        state.bursting = false;
      }
      return found;
    }

    const hour = Math.floor(use.at / HOUR_MS);
    if (warm && this.#unusualHour(state, hour % 24) && state.offHoursReportedHour !== hour) {
      state.offHoursReportedHour = hour;
      report('off_hours', `mint at ${hour % 24}:xx UTC, outside this subject's usual hours`);
    }
    this.#learnHour(state, hour % 24);

    const short = bump(state.shortRate, use.at, o.shortWindowMs);
    const baseline = bump(state.baselineRate, use.at, o.baselineWindowMs);
    // The baseline counter holds ≈ mints per baselineWindowMs; scaled to the short window.
    const expected = (baseline * o.shortWindowMs) / o.baselineWindowMs;
    const threshold = Math.max(o.spikeMinMints, o.spikeFactor * expected);
    if (warm && !state.spiking && short >= threshold) {
      state.spiking = true;
      report(
        'rate_spike',
        `${short.toFixed(1)} mints in about ${o.shortWindowMs / 60_000} min, baseline ${expected.toFixed(2)}`,
      );
    } else if (state.spiking && short < threshold / 2) {
      state.spiking = false;
    }
    return found;
  }

  #state(subject: string, at: number): SubjectState {
    const known = this.#subjects.get(subject);
    if (known) {
      // Most recently seen last: Map iteration order is insertion order.
      this.#subjects.delete(subject);
      this.#subjects.set(subject, known);
      return known;
    }
    const state: SubjectState = {
      firstSeen: at,
      shortRate: { value: 0, at },
      baselineRate: { value: 0, at },
      denials: { value: 0, at },
      hours: new Float64Array(24),
      scopes: new Map(),
      spiking: false,
      bursting: false,
      offHoursReportedHour: -1,
    };
    this.#subjects.set(subject, state);
    if (this.#subjects.size > this.#options.maxSubjects) {
      const oldest = this.#subjects.keys().next().value as string;
      this.#subjects.delete(oldest);
      this.#evicted++;
    }
    return state;
  }

  /** Remembers a scope; returns whether it was known already. */
  #rememberScope(state: SubjectState, scope: string): boolean {
    const key = scopeHash(scope);
    const known = state.scopes.delete(key);
    state.scopes.set(key, true);
    if (state.scopes.size > this.#options.maxScopesPerSubject) {
      state.scopes.delete(state.scopes.keys().next().value as number);
    }
    return known;
  }

  #unusualHour(state: SubjectState, hourOfDay: number): boolean {
    const total = state.hours.reduce((a, b) => a + b, 0);
    if (total < this.#options.hoursMinHistory) return false;
    const near =
      state.hours[(hourOfDay + 23) % 24]! +
      state.hours[hourOfDay]! +
      state.hours[(hourOfDay + 1) % 24]!;
    return near / total < this.#options.hoursMinShare;
  }

  #learnHour(state: SubjectState, hourOfDay: number): void {
    state.hours[hourOfDay]! += 1;
    const total = state.hours.reduce((a, b) => a + b, 0);
    // Old habits fade: halving keeps the history recent and bounded.
    if (total > 4 * this.#options.hoursMinHistory) {
      for (let h = 0; h < 24; h++) state.hours[h]! /= 2;
    }
  }
}

/** Decays `c` to `at`, adds one event, and returns the new value. */
function bump(c: Decaying, at: number, tau: number): number {
  const dt = Math.max(0, at - c.at);
  c.value = c.value * Math.exp(-dt / tau) + 1;
  c.at = Math.max(c.at, at);
  return c.value;
}

/** 48 bits of SHA-256: a subject's scope set costs a few bytes per scope whatever its length. */
function scopeHash(scope: string): number {
  return createHash('sha256').update(scope).digest().readUIntBE(0, 6);
}
