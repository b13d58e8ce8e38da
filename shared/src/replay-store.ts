/**
 * Replay stores: remember the ids of received messages so a repeat is answered as a duplicate. Every
 * store keeps a fixed-size hash of each key (never the id itself: a sender may send 1 MiB ids) and is
 * bounded by bytes; expired ids are dropped as new ones arrive (no timers, so n8n may load it). Pure module.
 */
import { createHash } from 'node:crypto';
import type { ReplayStore } from './types';

/** What one remembered id costs, in bytes: a 22-character hash, an expiry in ms and the JSON around them. */
export const REPLAY_ENTRY_BYTES = 48;
/** Default bound of an in-memory store: about 21 000 ids. */
export const DEFAULT_MEMORY_REPLAY_BYTES = 1024 * 1024;
/**
 * Default bound of a store kept in saved data (n8n static data, Node-RED context): about 1 365 ids. The
 * host saves the whole list after each new id (n8n with the workflow), so it is kept small.
 */
export const DEFAULT_RECORD_REPLAY_BYTES = 64 * 1024;

/** The stored form of a key: SHA-256, first 128 bits, base64url (22 characters), whatever the key's length. */
export function hashReplayKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/** The key under which a vendor's message id is remembered. */
export function duplicateKey(vendor: string, id: string): string {
  return `${vendor}\u0000${id}`;
}

export interface ReplayStoreBounds {
  /** Most bytes the remembered ids may take ({@link REPLAY_ENTRY_BYTES} each); the ones expiring first go first. */
  maxBytes?: number;
  /** The clock; for tests. */
  now?: () => number;
}

function capacity(maxBytes: number): number {
  if (!Number.isFinite(maxBytes) || maxBytes < REPLAY_ENTRY_BYTES) throw new RangeError(`A replay store needs at least ${REPLAY_ENTRY_BYTES} bytes; got ${maxBytes}.`);
  return Math.floor(maxBytes / REPLAY_ENTRY_BYTES);
}

/** Creates an in-memory {@link ReplayStore} (default bound {@link DEFAULT_MEMORY_REPLAY_BYTES}). */
export function createMemoryReplayStore(options: ReplayStoreBounds = {}): ReplayStore {
  const maxEntries = capacity(options.maxBytes ?? DEFAULT_MEMORY_REPLAY_BYTES);
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>(); // insertion order = arrival order
  return {
    checkAndRemember(key, expiresAtMs) {
      const hashed = hashReplayKey(key);
      const t = now();
      const seen = expiries.get(hashed);
      if (seen !== undefined && seen > t) return true;
      for (const [oldKey, expiry] of expiries) {
        if (expiry > t && expiries.size < maxEntries) break;
        expiries.delete(oldKey);
      }
      expiries.delete(hashed);
      expiries.set(hashed, expiresAtMs);
      return false;
    },
    forget(key) {
      expiries.delete(hashReplayKey(key));
    },
  };
}

/**
 * A {@link ReplayStore} kept in a plain object of `hash → expiry (ms)`, so a host can keep it in data it
 * saves (n8n workflow static data, Node-RED context) instead of one process's memory. Expired ids are
 * dropped on each call; past the bound (default {@link DEFAULT_RECORD_REPLAY_BYTES}) the ones expiring
 * first go first. Entries that are not such pairs are dropped too.
 */
export function createRecordReplayStore(record: Record<string, number>, options: ReplayStoreBounds = {}): ReplayStore {
  const maxEntries = capacity(options.maxBytes ?? DEFAULT_RECORD_REPLAY_BYTES);
  const now = options.now ?? Date.now;
  return {
    checkAndRemember(key, expiresAtMs) {
      const hashed = hashReplayKey(key);
      const t = now();
      const seen = record[hashed];
      if (typeof seen === 'number' && seen > t) return true;
      const live: string[] = [];
      for (const id of Object.keys(record)) {
        const expiry = record[id];
        if (typeof expiry === 'number' && expiry > t && id.length === 22) live.push(id);
        else delete record[id];
      }
      if (live.length >= maxEntries) {
        live.sort((a, b) => (record[a] as number) - (record[b] as number));
        for (const id of live.slice(0, live.length - maxEntries + 1)) delete record[id];
      }
      record[hashed] = expiresAtMs;
      return false;
    },
    forget(key) {
      delete record[hashReplayKey(key)];
    },
  };
}

/**
 * A {@link ReplayStore} over several: every store remembers the id, and it counts as seen when any of them
 * had it. For a fast local store in front of a shared one.
 */
export function layeredReplayStore(...stores: ReplayStore[]): ReplayStore {
  return {
    checkAndRemember(key, expiresAtMs) {
      let seen = false;
      for (const store of stores) if (store.checkAndRemember(key, expiresAtMs)) seen = true;
      return seen;
    },
    forget(key) {
      for (const store of stores) store.forget?.(key);
    },
  };
}

/** A view of `store` whose keys are prefixed with `scope`, so one store can serve several endpoints apart. */
export function scopedReplayStore(store: ReplayStore, scope: string): ReplayStore {
  return {
    checkAndRemember: (key, expiresAtMs) => store.checkAndRemember(`${scope}\u0000${key}`, expiresAtMs),
    forget: (key) => store.forget?.(`${scope}\u0000${key}`),
  };
}

/**
 * Ids accepted by this process, for every receiver in it (scoped apart). In front of a store the host saves,
 * it answers as a duplicate a copy that arrives while the first is still in flight, before the host has
 * saved its list. Only ever adds duplicates, so any process may answer any request.
 */
const acceptedInThisProcess = createMemoryReplayStore();

/**
 * The replay policy of a receiver whose list lives in `record` (saved by the host, one record per
 * receiver): this process's memory, scoped to `scope` (the workflow and node, or the path), in front of the
 * record; both bounded.
 */
export function hostReplayStore(record: Record<string, number>, scope: string, options: ReplayStoreBounds = {}): ReplayStore {
  return layeredReplayStore(scopedReplayStore(acceptedInThisProcess, scope), createRecordReplayStore(record, options));
}

/**
 * The key under which an accepted event's id was remembered (the same as {@link verify} uses: the scheme's
 * message id is the event's id for every vendor that has one), or undefined when it carries no id.
 */
export function replayKeyOf(event: { vendor: string; id?: string }): string | undefined {
  return event.id === undefined ? undefined : duplicateKey(event.vendor, event.id);
}
