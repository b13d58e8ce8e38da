/**
 * Where a receiving node keeps the ids it has received, for duplicate detection: in Node-RED's own
 * global context, default store, under a key derived from a hash of the receiver's scope (its path, or
 * the verify node's id). So the list outlives a redeploy; it outlives a restart when the user's default
 * context store persists (localfilesystem); and a context store shared by several instances protects them
 * all, without code of ours. Only the asynchronous context API is used: every store supports it.
 *
 * The core decides the rest (hostReplayStore): ids kept as 128-bit hashes, bounded by bytes, for the
 * vendor's horizon, with this process's memory in front for copies that arrive at the same moment.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_RECORD_REPLAY_BYTES, hostReplayStore, type Decision, type ReplayStore } from '@devicehook/core';
import type { ContextScope, RedNode } from './red';

/** Serializes the read-modify-write of each context key in this process. */
const queues = new Map<string, Promise<unknown>>();

export interface SeenIds {
  /** The global context key the list lives under. */
  readonly key: string;
  /** Runs `decide` with the saved list as a replay store, and saves the list when the decision added an id. */
  around(decide: (store: ReplayStore) => Decision): Promise<Decision>;
  /** Forgets an accepted id (its flow failed, answered after the flow), so the sender's retry is processed. */
  forget(replayKey: string): Promise<void>;
}

/** The context key of a receiver's list: fixed length, no dots (Node-RED reads dots as nesting). */
export function seenIdsKey(scope: string): string {
  return `devicehook_seen_${createHash('sha256').update(scope).digest('hex').slice(0, 24)}`;
}

function get(context: ContextScope, key: string): Promise<unknown> {
  return new Promise((resolve, reject) => context.get(key, (error, value) => (error ? reject(error) : resolve(value))));
}

function set(context: ContextScope, key: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => context.set(key, value, (error) => (error ? reject(error) : resolve())));
}

export function seenIds(node: RedNode, scope: string, maxBytes = DEFAULT_RECORD_REPLAY_BYTES): SeenIds {
  const key = seenIdsKey(scope);
  const context = node.context().global;
  /** Runs `step` after every earlier read-modify-write of this key in this process. */
  const queued = <T>(step: () => Promise<T>): Promise<T> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const run = previous.then(step);
    const settled = run.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return run;
  };
  const read = async (): Promise<Record<string, number>> => {
    try {
      const stored = await get(context, key);
      if (stored && typeof stored === 'object' && !Array.isArray(stored)) return { ...(stored as Record<string, number>) };
    } catch (error) {
      node.warn(`Could not read the received-ids list from the context store (${(error as Error).message}); duplicates are recognised in this process only.`);
    }
    return {};
  };
  const save = async (record: Record<string, number>): Promise<void> => {
    try {
      await set(context, key, record);
    } catch (error) {
      node.warn(`Could not save the received-ids list to the context store: ${(error as Error).message}`);
    }
  };
  return {
    key,
    around(decide) {
      return queued(async () => {
        const record = await read();
        const decision = decide(hostReplayStore(record, scope, { maxBytes }));
        if (decision.kind === 'accepted' || decision.kind === 'ignored') await save(record);
        return decision;
      });
    },
    forget(replayKey) {
      return queued(async () => {
        const record = await read();
        hostReplayStore(record, scope, { maxBytes }).forget?.(replayKey);
        await save(record);
      });
    },
  };
}
