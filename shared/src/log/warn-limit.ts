/**
 * The one decision both adapters make before they warn about a refused request: write a line now, or
 * count it as suppressed and report the count on the next line written. Both the n8n triggers and the
 * Node-RED receivers ask it; neither decides on its own.
 *
 * Guarantee, per key: in any span of `windowMs` milliseconds (of the clock passed in), at most `maxLines`
 * lines are written, and every refusal is either written or counted in the `suppressed` of a later line
 * (or still pending: `pending(key)`), so the counts add up. The limiter keeps no timer and reads no clock:
 * the host passes `now` (milliseconds) on every call. A host with timers (Node-RED) may `flush()` a
 * pending count at `flushAt(key)`; one without (n8n) reports it on the next refusal.
 *
 * State is bounded: at most `maxKeys` keys, the least recently used forgotten first (with its pending count).
 * Pure module.
 */
import { blankSecrets } from './entry';

/** Default window: at most `maxLines` refusal lines per key in this many ms. */
export const DEFAULT_WARN_WINDOW_MS = 10_000;
/** Default lines per window and key. */
export const DEFAULT_WARN_LINES = 1;
/** Default number of keys (nodes) remembered. */
export const DEFAULT_WARN_KEYS = 1000;

export interface WarnLimiterOptions {
  /** Window in ms; 0 writes every line. @defaultValue 10 000 */
  windowMs?: number;
  /** Lines per window and key (a positive integer). @defaultValue 1 */
  maxLines?: number;
  /** Keys remembered (a positive integer). @defaultValue 1000 */
  maxKeys?: number;
}

/** Whether to write a line now; when so, how many refusals were suppressed since the key's last line. */
export type WarnVerdict = { write: true; suppressed: number } | { write: false };

export interface WarnLimiter {
  /** One refusal for `key` at `now`: write a line (with the count suppressed before it), or suppress it. */
  hit(key: string, now: number): WarnVerdict;
  /** The refusals of `key` suppressed and not yet reported. */
  pending(key: string): number;
  /** When a pending count could be written (undefined when nothing is pending). */
  flushAt(key: string): number | undefined;
  /** Writes the pending count of `key` as a line of its own if the window allows it now. */
  flush(key: string, now: number): { suppressed: number } | undefined;
  /** Forgets a key (a node closed or deleted). */
  forget(key: string): void;
  /** Keys remembered. */
  size(): number;
}

/** Thrown for a window, line count or key count that is not finite and non-negative / positive. */
export class WarnLimiterError extends Error {
  readonly code = 'invalid_input';
  constructor(message: string) {
    super(message);
    this.name = 'WarnLimiterError';
  }
}

interface KeyState {
  /** Times of the last lines written, oldest first, at most maxLines. */
  lines: number[];
  suppressed: number;
  /** The latest time seen: a clock that steps back is read as standing still. */
  latest: number;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new WarnLimiterError(`${name} must be a positive integer; got ${String(value)}.`);
  return value;
}

export function createWarnLimiter(options: WarnLimiterOptions = {}): WarnLimiter {
  const windowMs = options.windowMs ?? DEFAULT_WARN_WINDOW_MS;
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs < 0) throw new WarnLimiterError(`windowMs must be a finite number of ms, 0 or more; got ${String(windowMs)}.`);
  const maxLines = positiveInteger('maxLines', options.maxLines, DEFAULT_WARN_LINES);
  const maxKeys = positiveInteger('maxKeys', options.maxKeys, DEFAULT_WARN_KEYS);
  const states = new Map<string, KeyState>();

  const clock = (now: number): number => {
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new WarnLimiterError(`now must be a finite number of ms; got ${String(now)}.`);
    return now;
  };

  /** The key's state, most recently used last in the map; the oldest key goes when the map is full. */
  const stateOf = (key: string, now: number): KeyState => {
    let state = states.get(key);
    if (state) states.delete(key);
    else {
      state = { lines: [], suppressed: 0, latest: now };
      while (states.size >= maxKeys) states.delete(states.keys().next().value as string);
    }
    states.set(key, state);
    state.latest = Math.max(state.latest, now);
    return state;
  };

  /** Whether a line may be written at `at`: fewer than maxLines lines in (at - windowMs, at]. */
  const room = (state: KeyState, at: number): boolean => state.lines.length < maxLines || (state.lines[0] as number) <= at - windowMs;

  const write = (state: KeyState, at: number): number => {
    state.lines.push(at);
    if (state.lines.length > maxLines) state.lines.shift();
    const suppressed = state.suppressed;
    state.suppressed = 0;
    return suppressed;
  };

  return {
    hit(key, now) {
      const state = stateOf(key, clock(now));
      if (windowMs === 0 || room(state, state.latest)) return { write: true, suppressed: write(state, state.latest) };
      state.suppressed++;
      return { write: false };
    },
    pending: (key) => states.get(key)?.suppressed ?? 0,
    flushAt(key) {
      const state = states.get(key);
      if (!state || state.suppressed === 0) return undefined;
      return state.lines.length < maxLines ? state.latest : Math.max(state.latest, (state.lines[0] as number) + windowMs);
    },
    flush(key, now) {
      const at = clock(now);
      const existing = states.get(key);
      if (!existing || existing.suppressed === 0) return undefined;
      const state = stateOf(key, at);
      if (windowMs !== 0 && !room(state, state.latest)) return undefined;
      return { suppressed: write(state, state.latest) };
    },
    forget: (key) => void states.delete(key),
    size: () => states.size,
  };
}

/** What a refusal line says: where, which vendor, the code and its reason. Never headers or the body. */
export interface RefusalLineInput {
  /** The node (and workflow) that refused, as the host names it; omit where the host prefixes it (Node-RED). */
  where?: string;
  vendor?: string;
  status?: number;
  code: string;
  /** The refusal's message, the same the sender got; secrets in it are blanked. */
  reason?: string;
  /** Refusals of the same node not written since its last line. */
  suppressed: number;
  /** Secrets to blank out of the reason. */
  secrets?: readonly string[];
}

const MAX_LINE_REASON = 500;

/** What was refused and why, without where: "401 signature_mismatch: reason". */
export function refusalText(input: Omit<RefusalLineInput, 'suppressed' | 'where' | 'vendor'>): string {
  const reason = input.reason ? blankSecrets(input.reason, input.secrets).replace(/[\r\n]+/g, ' ') : '';
  const cutReason = reason.length > MAX_LINE_REASON ? `${reason.slice(0, MAX_LINE_REASON)}…` : reason;
  return `${input.status !== undefined ? `${input.status} ` : ''}${input.code}${cutReason ? `: ${cutReason}` : ''}`;
}

/** The warn line for a refused request, the same words in both adapters. */
export function refusalLine(input: RefusalLineInput): string {
  const where = `${input.where ? ` to ${input.where}` : ''}${input.vendor ? ` (${input.vendor})` : ''}`;
  const tail = input.suppressed > 0 ? ` [${input.suppressed} similar refusal${input.suppressed === 1 ? '' : 's'} suppressed since the last line]` : '';
  return `Refused a request${where}: ${refusalText(input)}${tail}`;
}

/** The line for a pending count written on its own (hosts with timers, at the end of a window). */
export function suppressedLine(input: { suppressed: number; windowMs: number; latest?: string }): string {
  const count = input.suppressed;
  return `Refused ${count} more request${count === 1 ? '' : 's'} in the last ${Math.round(input.windowMs / 1000)} s${input.latest ? ` (latest: ${input.latest})` : ''}.`;
}
