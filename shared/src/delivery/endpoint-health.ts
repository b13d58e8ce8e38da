/**
 * Endpoint health as the vendors keep it: after enough failed deliveries in a row the endpoint is marked
 * failed (1NCE's INTEGRATION_FAILED, EdgeSense's disabled) and nothing more is sent until it is restarted.
 * The store is an interface so n8n (static data) and Node-RED (a file) can persist it. Pure module.
 */

export interface EndpointState {
  status: 'active' | 'failed';
  consecutiveFailures: number;
  /** ISO time and reason of the failure that marked the endpoint failed. */
  failedAt?: string;
  reason?: string;
  lastSuccessAt?: string;
}

/** Where endpoint states live. May be synchronous or asynchronous. */
export interface EndpointStateStore {
  get(key: string): EndpointState | undefined | Promise<EndpointState | undefined>;
  set(key: string, state: EndpointState): void | Promise<void>;
}

export const ACTIVE_ENDPOINT: EndpointState = Object.freeze({ status: 'active', consecutiveFailures: 0 }) as EndpointState;

/** A store in memory, for one process. */
export function createMemoryEndpointStore(): EndpointStateStore & { entries(): Array<[string, EndpointState]> } {
  const states = new Map<string, EndpointState>();
  return {
    get: (key) => states.get(key),
    set: (key, state) => void states.set(key, { ...state }),
    entries: () => [...states.entries()],
  };
}

/** The state after a delivery: success resets it; a failure counts, and may mark the endpoint failed. */
export function nextEndpointState(
  previous: EndpointState | undefined,
  delivered: boolean,
  failAfter: number | undefined,
  nowIso: string,
  reason: string,
  gone: boolean,
): EndpointState {
  if (delivered) return { status: 'active', consecutiveFailures: 0, lastSuccessAt: nowIso };
  const consecutiveFailures = (previous?.consecutiveFailures ?? 0) + 1;
  const base: EndpointState = { ...(previous ?? ACTIVE_ENDPOINT), consecutiveFailures };
  if (gone || (failAfter !== undefined && consecutiveFailures >= failAfter)) {
    return { ...base, status: 'failed', failedAt: nowIso, reason };
  }
  return base;
}

/** Restarts a failed endpoint (1NCE's "restart", EdgeSense's "re-enable"). */
export async function restartEndpoint(store: EndpointStateStore, key: string): Promise<void> {
  const previous = await store.get(key);
  await store.set(key, { ...(previous ?? ACTIVE_ENDPOINT), status: 'active', consecutiveFailures: 0 });
}
