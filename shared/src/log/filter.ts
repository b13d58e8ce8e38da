/**
 * Log filters: parsed from a query string (admin routes, CLI), matched against entries. Pure module.
 */
import { RECEIVED_OUTCOMES, SENT_OUTCOMES, type LogEntryInput, type LogFilter, type LogOutcome } from './types';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
const ENTRY_ID = /^\d{1,9}-\d{1,12}$/;

/** Thrown for a filter that cannot be read; the message names the field. */
export class LogFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFilterError';
  }
}

/** Whether `id` has the shape of an entry id (`<segment>-<offset>`). */
export function isEntryId(id: unknown): id is string {
  return typeof id === 'string' && ENTRY_ID.test(id);
}

function one(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** A time given as ISO 8601, a date (`2026-12-03`, start of day UTC) or ms since the epoch. */
function timeOf(value: string, field: string, endOfDay: boolean): number {
  if (/^\d{10,15}$/.test(value)) return Number(value);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) throw new LogFilterError(`${field} must be a date or time (ISO 8601), got "${value.slice(0, 40)}".`);
  return dateOnly && endOfDay ? ms + 86_399_999 : ms;
}

/** Reads a filter from query parameters: from, to, direction, outcome, code, requestId, type, before, limit. */
export function parseLogFilter(query: Record<string, unknown>): LogFilter {
  const filter: LogFilter = {};
  const from = one(query.from);
  const to = one(query.to);
  if (from) filter.from = timeOf(from, 'from', false);
  if (to) filter.to = timeOf(to, 'to', true);
  const direction = one(query.direction);
  if (direction) {
    if (direction !== 'received' && direction !== 'sent') throw new LogFilterError('direction must be "received" or "sent".');
    filter.direction = direction;
  }
  const outcome = one(query.outcome);
  if (outcome) {
    if (![...RECEIVED_OUTCOMES, ...SENT_OUTCOMES].includes(outcome as LogOutcome)) throw new LogFilterError(`outcome must be one of ${[...RECEIVED_OUTCOMES, ...SENT_OUTCOMES].join(', ')}.`);
    filter.outcome = outcome as LogOutcome;
  }
  const code = one(query.code);
  if (code) {
    if (!/^[\w.-]{1,64}$/.test(code)) throw new LogFilterError('code must be an HTTP status (401), a class (4xx) or a result code (signature_mismatch).');
    filter.code = code;
  }
  const requestId = one(query.requestId);
  if (requestId) filter.requestId = requestId.slice(0, 200);
  const type = one(query.type);
  if (type) filter.type = type.slice(0, 200);
  const before = one(query.before);
  if (before) {
    if (!isEntryId(before)) throw new LogFilterError('before must be an entry id.');
    filter.before = before;
  }
  const limit = one(query.limit);
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1) throw new LogFilterError(`limit must be a whole number from 1 to ${MAX_LIMIT}.`);
    filter.limit = Math.min(n, MAX_LIMIT);
  }
  return filter;
}

/** Whether an entry's code matches: a status ("401"), a status class ("4xx"), or a result code. */
export function codeMatches(entry: Pick<LogEntryInput, 'status' | 'code'>, code: string): boolean {
  if (/^\d{3}$/.test(code)) return entry.status === Number(code);
  if (/^[1-5]xx$/i.test(code)) return entry.status !== undefined && Math.floor(entry.status / 100) === Number(code[0]);
  return entry.code === code || entry.code === `http_${code}`;
}

/** Whether an entry passes a filter (paging and limit aside). Request ids match case-insensitively and by prefix of 8+ characters. */
export function matchesFilter(entry: LogEntryInput, filter: LogFilter): boolean {
  if (filter.from !== undefined || filter.to !== undefined) {
    const t = Date.parse(entry.time);
    if (filter.from !== undefined && t < filter.from) return false;
    if (filter.to !== undefined && t > filter.to) return false;
  }
  if (filter.direction && entry.direction !== filter.direction) return false;
  if (filter.outcome && entry.outcome !== filter.outcome) return false;
  if (filter.code && !codeMatches(entry, filter.code)) return false;
  if (filter.type && entry.type !== filter.type) return false;
  if (filter.requestId) {
    const wanted = filter.requestId.toLowerCase();
    const ids = [entry.requestId, entry.deliveryId].filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
    if (!ids.some((id) => id === wanted || (wanted.length >= 8 && id.startsWith(wanted)))) return false;
  }
  return true;
}

/** Orders entry ids (newest last): by segment, then offset. */
export function compareEntryIds(a: string, b: string): number {
  const [sa, oa] = a.split('-').map(Number) as [number, number];
  const [sb, ob] = b.split('-').map(Number) as [number, number];
  return sa - sb || oa - ob;
}
