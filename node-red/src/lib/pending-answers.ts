/**
 * Answers held for "answer when the flow has finished": `devicehook in` holds one per accepted request
 * under a key it puts on the message (`msg._devicehookAnswer`); `devicehook response` settles it. The
 * table lives on a process-wide symbol because each node file is its own bundle (like log-admin's).
 */

/** The message property that carries the key. A string, so it survives Node-RED's message cloning. */
export const ANSWER_KEY = '_devicehookAnswer';

export interface HeldAnswer {
  /** Writes the answer for the outcome; returns the status written. Called at most once. */
  settle(outcome: 'finished' | 'failed'): number;
}

const registryKey = Symbol.for('devicehook.node-red.pending-answers');

function registry(): Map<string, HeldAnswer> {
  const g = globalThis as unknown as Record<symbol, Map<string, HeldAnswer> | undefined>;
  let table = g[registryKey];
  if (!table) {
    table = new Map();
    g[registryKey] = table;
  }
  return table;
}

export function holdAnswer(key: string, held: HeldAnswer): void {
  registry().set(key, held);
}

/** Forgets a held answer (written by the timeout, the client gone, the node closed). */
export function releaseAnswer(key: string): void {
  registry().delete(key);
}

/**
 * Settles the answer held under `key`: the status written, or undefined when there is none (already
 * answered by another response node, timed out, or the message did not come from a waiting `devicehook in`).
 */
export function settleAnswer(key: unknown, outcome: 'finished' | 'failed'): number | undefined {
  if (typeof key !== 'string') return undefined;
  const held = registry().get(key);
  if (!held) return undefined;
  registry().delete(key);
  return held.settle(outcome);
}
