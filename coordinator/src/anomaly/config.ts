import { z } from 'zod';
import { type AnomalyDetectorOptions, DEFAULT_ANOMALY_OPTIONS } from './detector.ts';

const seconds = z
  .number()
  .int()
  .min(1)
  .max(30 * 86_400);

/**
 * The coordinator config's `anomaly` section (every field optional; durations in seconds).
 * Memory stays bounded by `maxSubjects` × `maxScopesPerSubject`.
 */
export const AnomalyConfigSchema = z
  .object({
    maxSubjects: z.number().int().min(1).max(1_000_000).optional(),
    maxScopesPerSubject: z.number().int().min(1).max(4096).optional(),
    warmupSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .optional(),
    shortWindowSeconds: seconds.optional(),
    baselineWindowSeconds: seconds.optional(),
    spikeFactor: z.number().min(1).max(1000).optional(),
    spikeMinMints: z.number().int().min(1).optional(),
    denialBurst: z.number().int().min(1).optional(),
    hoursMinHistory: z.number().int().min(1).optional(),
    hoursMinShare: z.number().min(0).max(1).optional(),
  })
  .strict();
export type AnomalyConfig = z.infer<typeof AnomalyConfigSchema>;

/**
 * Detector options from the config section (seconds become milliseconds; defaults fill the rest).
 *
 * @example
 * ```ts
 * const detector = new AnomalyDetector(anomalyOptions(config.anomaly));
 * ```
 */
export function anomalyOptions(config: AnomalyConfig = {}): AnomalyDetectorOptions {
  const ms = (s: number | undefined, fallback: number) => (s === undefined ? fallback : s * 1000);
  const d = DEFAULT_ANOMALY_OPTIONS;
  return {
    maxSubjects: config.maxSubjects ?? d.maxSubjects,
    maxScopesPerSubject: config.maxScopesPerSubject ?? d.maxScopesPerSubject,
    warmupMs: ms(config.warmupSeconds, d.warmupMs),
    shortWindowMs: ms(config.shortWindowSeconds, d.shortWindowMs),
    baselineWindowMs: ms(config.baselineWindowSeconds, d.baselineWindowMs),
    spikeFactor: config.spikeFactor ?? d.spikeFactor,
    spikeMinMints: config.spikeMinMints ?? d.spikeMinMints,
    denialBurst: config.denialBurst ?? d.denialBurst,
    hoursMinHistory: config.hoursMinHistory ?? d.hoursMinHistory,
    hoursMinShare: config.hoursMinShare ?? d.hoursMinShare,
  };
}
