/**
 * The triggers' credential reads, kept for a few seconds.
 *
 * In n8n 2.x every `getCredentials` call resolves the credential's values through the expression engine,
 * which with n8n's default settings acquires a fresh expression isolate (measured in n8n 2.41.1: ~22–25 ms
 * of main-thread CPU each, one of the three a trigger's request costs; see docs/benchmarks.md). A trigger
 * reads the same credential on every request, so each process keeps what it read for
 * {@link CREDENTIAL_REUSE_MS}: a changed secret reaches an active trigger within that time, as each
 * credential's Secret field says. Only successful reads are kept (a missing credential is read again at the
 * next request), the copies handed out are fresh so no caller can change what is kept, and the map is
 * bounded. n8n nodes may not keep timers, so old entries go when they are read or when the map is full.
 */
import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

/** How long a read credential is reused: the bound the credentials' Secret fields state. */
export const CREDENTIAL_REUSE_MS = 10_000;
const MAX_KEPT = 256;

interface Kept {
	readAt: number;
	data: ICredentialDataDecryptedObject;
}

const kept = new Map<string, Kept>();

/**
 * The node's credential of this type, read at most once per {@link CREDENTIAL_REUSE_MS} per workflow, node
 * and credential. A node without a saved credential id (never chosen) is read every time.
 */
export async function readTriggerCredentials(context: IWebhookFunctions, type: string, now = Date.now()): Promise<ICredentialDataDecryptedObject> {
	const node = context.getNode();
	const reference = node.credentials?.[type];
	if (!reference?.id) return await context.getCredentials(type);
	const key = `${context.getWorkflow().id ?? ''}\u0000${node.id ?? node.name}\u0000${type}\u0000${reference.id}`;
	const hit = kept.get(key);
	if (hit && now - hit.readAt >= 0 && now - hit.readAt < CREDENTIAL_REUSE_MS) return { ...hit.data };
	kept.delete(key);
	const data = await context.getCredentials(type);
	if (kept.size >= MAX_KEPT) {
		for (const [oldKey, entry] of kept) if (now - entry.readAt >= CREDENTIAL_REUSE_MS) kept.delete(oldKey);
		if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value as string);
	}
	kept.set(key, { readAt: now, data: { ...data } });
	return { ...data };
}
