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
