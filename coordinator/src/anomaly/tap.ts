import type { Logger } from 'pino';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import type { Metrics } from '../metrics.ts';
import { ANOMALY_KINDS, type Anomaly, type AnomalyDetector } from './detector.ts';

/** Options of {@link anomalyTap}. */
export interface AnomalyTapOptions {
  readonly detector: AnomalyDetector;
  readonly metrics: Pick<Metrics, 'anomalies' | 'anomalySubjects' | 'anomalyEvictions'>;
  readonly log: Logger;
  /** Where each anomaly is recorded (resolved late: the log is built with this tap). */
  readonly audit: () => AuditLog | undefined;
}

/**
 * Feeds audited mints and denials to the anomaly detector; each anomaly found is counted
 * in `frostmint_anomalies_total{kind}` (a bounded label: subjects never become labels),
 * logged, and written to the audit log as an `anomaly` entry naming the subject. Pass the
 * returned function as the `AuditLog`'s `onRecorded`.
 *
 * @example
 * ```ts
 * let audit: AuditLog | undefined;
 * const tap = anomalyTap({ detector: new AnomalyDetector(), metrics, log, audit: () => audit });
 * audit = new AuditLog(store.audit, Date.now, tap);
 * ```
 */
export function anomalyTap(options: AnomalyTapOptions): (entry: AuditEntry, at: Date) => void {
  const { detector, metrics, log } = options;
  // Every kind is exported from the start, so rate() sees the first anomaly.
  for (const kind of ANOMALY_KINDS) metrics.anomalies.inc({ kind }, 0);
  let evicted = 0;
  const report = (anomaly: Anomaly) => {
    metrics.anomalies.inc({ kind: anomaly.kind });
    log.warn(
      { anomaly: anomaly.kind, sub: anomaly.subject, detail: anomaly.detail },
      'credential-use anomaly',
    );
    options
      .audit()
      ?.record({
        type: 'anomaly',
        kind: anomaly.kind,
        sub: anomaly.subject,
        detail: anomaly.detail,
        ...(anomaly.scope ? { scope: anomaly.scope } : {}),
      })
      .catch((err: unknown) => {
        log.error({ code: (err as { code?: string }).code, type: 'anomaly' }, 'audit write failed');
      });
  };
  return (entry, at) => {
    if (entry.type !== 'mint' && entry.type !== 'denial') return;
    const anomalies = detector.observe({
      outcome: entry.type,
      subject: entry.sub,
      scopes: entry.scope.split(' ').filter((s) => s !== ''),
      at: at.getTime(),
    });
    metrics.anomalySubjects.set(detector.size);
    metrics.anomalyEvictions.inc(detector.evicted - evicted);
    evicted = detector.evicted;
    for (const anomaly of anomalies) report(anomaly);
  };
}
