/**
 * Counting log entries: a summary is a sum of per-entry counts, so the store keeps one per segment and
 * adds them up (dropping a segment subtracts its part). O(1) per entry, O(segments) per summary. Pure module.
 */
import { MAX_DISTINCT, type LogEntry, type LogEntryInput, type LogSummary } from './types';

export function emptySummary(): LogSummary {
  return { received: 0, accepted: 0, ignored: 0, duplicate: 0, refused: 0, sent: 0, delivered: 0, failed: 0, retrying: 0, byCode: {}, byStatus: {}, byType: {}, lost: 0 };
}

const OTHER = '(other)';

function bump(map: Record<string, number>, key: string, by: number): void {
  const k = key in map || Object.keys(map).length < MAX_DISTINCT ? key : OTHER;
  const next = (map[k] ?? 0) + by;
  if (next === 0) delete map[k];
  else map[k] = next;
}

/**
 * Adds one entry to `summary` (in place). A delivery counts once, at its end; its `retrying` entry counts
 * it as retrying until then (an end with more than one attempt closes it).
 */
export function countEntry(summary: LogSummary, entry: LogEntryInput): LogSummary {
  if (entry.direction === 'received') {
    summary.received++;
    if (entry.outcome === 'refused') summary.refused++;
    else {
      summary.accepted++;
      if (entry.outcome === 'ignored') summary.ignored++;
      if (entry.outcome === 'duplicate') summary.duplicate++;
    }
  } else if (entry.outcome === 'retrying') {
    summary.retrying++;
  } else {
    summary.sent++;
    if (entry.outcome === 'delivered') summary.delivered++;
    else summary.failed++;
    if ((entry.attempts ?? 0) > 1) summary.retrying--;
  }
  if (entry.code && entry.outcome !== 'accepted' && entry.outcome !== 'delivered' && entry.outcome !== 'retrying') bump(summary.byCode, entry.code, 1);
  if (entry.status !== undefined) bump(summary.byStatus, String(entry.status), 1);
  if (entry.type) bump(summary.byType, entry.type, 1);
  const problem = entry.outcome === 'refused' || (entry.direction === 'sent' && entry.outcome !== 'delivered' && entry.outcome !== 'retrying');
  if (problem && (entry as LogEntry).id !== undefined && (!summary.lastProblem || entry.time >= summary.lastProblem.time)) summary.lastProblem = problemOf(entry as LogEntry);
  if (!summary.firstTime || entry.time < summary.firstTime) summary.firstTime = entry.time;
  if (!summary.lastTime || entry.time > summary.lastTime) summary.lastTime = entry.time;
  return summary;
}

function problemOf(entry: LogEntry): NonNullable<LogSummary['lastProblem']> {
  const p: NonNullable<LogSummary['lastProblem']> = { id: entry.id, time: entry.time, outcome: entry.outcome, requestId: entry.requestId };
  if (entry.status !== undefined) p.status = entry.status;
  if (entry.code !== undefined) p.code = entry.code;
  if (entry.reason !== undefined) p.reason = entry.reason;
  if (entry.type !== undefined) p.type = entry.type;
  return p;
}

/** The sum of several summaries (a new object). `retrying` never shows below zero. */
export function addSummaries(parts: Iterable<LogSummary>): LogSummary {
  const total = emptySummary();
  for (const part of parts) {
    for (const key of ['received', 'accepted', 'ignored', 'duplicate', 'refused', 'sent', 'delivered', 'failed', 'retrying', 'lost'] as const) total[key] += part[key];
    for (const key of ['byCode', 'byStatus', 'byType'] as const) for (const [k, v] of Object.entries(part[key])) bump(total[key], k, v);
    if (part.firstTime && (!total.firstTime || part.firstTime < total.firstTime)) total.firstTime = part.firstTime;
    if (part.lastTime && (!total.lastTime || part.lastTime > total.lastTime)) total.lastTime = part.lastTime;
    if (part.lastProblem && (!total.lastProblem || part.lastProblem.time >= total.lastProblem.time)) total.lastProblem = part.lastProblem;
  }
  return total;
}

/** A summary fit to show: `retrying` clamped at zero (a delivery whose retrying entry aged out still counts its end). */
export function presentSummary(summary: LogSummary): LogSummary {
  return { ...summary, ...(summary.lastProblem ? { lastProblem: { ...summary.lastProblem } } : {}), retrying: Math.max(0, summary.retrying), byCode: { ...summary.byCode }, byStatus: { ...summary.byStatus }, byType: { ...summary.byType } };
}
