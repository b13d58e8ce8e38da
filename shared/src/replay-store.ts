/**
 * A bounded in-memory replay store. Expired ids are dropped as new ones arrive (no timers), so n8n may
 * load it; the oldest are dropped first when the bound is reached. Pure module.
 */
import type { ReplayStore } from './types';

/** Creates a {@link ReplayStore} remembering at most `maxEntries` ids (default 10 000). */
export function createMemoryReplayStore(options: { maxEntries?: number; now?: () => number } = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>(); // insertion order = arrival order
  return {
    checkAndRemember(key, expiresAtMs) {
      const t = now();
      const seen = expiries.get(key);
      if (seen !== undefined && seen > t) return true;
      for (const [oldKey, expiry] of expiries) {
        if (expiry > t && expiries.size < maxEntries) break;
        expiries.delete(oldKey);
      }
      expiries.delete(key);
      expiries.set(key, expiresAtMs);
      return false;
    },
  };
}

/**
 * A {@link ReplayStore} kept in a plain object of `id → expiry (ms)`, so n8n can keep it in workflow
 * static data (persisted with the workflow, shared by every process in queue mode) instead of in one
 * process's memory. Expired ids are dropped on each call; past `maxEntries` the oldest expiries go first.
 */
export function createRecordReplayStore(
  record: Record<string, number>,
  options: { maxEntries?: number; now?: () => number } = {},
): ReplayStore {
  const maxEntries = options.maxEntries ?? 1_000;
  const now = options.now ?? Date.now;
  return {
    checkAndRemember(key, expiresAtMs) {
      const t = now();
      const seen = record[key];
      if (typeof seen === 'number' && seen > t) return true;
      const live: string[] = [];
      for (const id of Object.keys(record)) {
        const expiry = record[id];
        if (typeof expiry === 'number' && expiry > t) live.push(id);
        else delete record[id];
      }
      if (live.length >= maxEntries) {
        live.sort((a, b) => (record[a] as number) - (record[b] as number));
        for (const id of live.slice(0, live.length - maxEntries + 1)) delete record[id];
      }
      record[key] = expiresAtMs;
      return false;
    },
  };
}

/**
 * A {@link ReplayStore} over several: every store remembers the id, and it counts as seen when any of them
 * had it. For a fast local store in front of a shared one (n8n: this process's memory, which refuses a copy
 * arriving while the first is still in flight, before the workflow's static data, which every process reads).
 */
export function layeredReplayStore(...stores: ReplayStore[]): ReplayStore {
  return {
    checkAndRemember(key, expiresAtMs) {
      let seen = false;
      for (const store of stores) if (store.checkAndRemember(key, expiresAtMs)) seen = true;
      return seen;
    },
  };
}

/** A view of `store` whose keys are prefixed with `scope`, so one store can serve several endpoints apart. */
export function scopedReplayStore(store: ReplayStore, scope: string): ReplayStore {
  return { checkAndRemember: (key, expiresAtMs) => store.checkAndRemember(`${scope}\u0000${key}`, expiresAtMs) };
}
