/**
 * The triggers' credential reads, shared for a few seconds.
 *
 * In n8n 2.x every `getCredentials` in a webhook resolves the credential through the expression engine on
 * a workflow of its own (n8n's credentials-helper `applyDefaultsAndOverwrites`), which with n8n's default
 * settings builds an expression isolate: one of the three a trigger's request cost, against one for n8n's
 * own Webhook node (docs/benchmarks.md has the counts). A trigger reads the same credential on every
 * request, so each process shares one read for {@link CREDENTIAL_REUSE_MS}: requests arriving together
 * wait for the read already under way, later ones take its result. A changed secret reaches an active
 * trigger within that time, as each credential's Secret field says. A failed read is shared only by the
 * requests that waited for it; the next request reads again. Copies are handed out, so no caller changes
 * what is kept, and the map is bounded. n8n nodes may not keep timers: old entries go when read or when
 * the map is full.
 */
import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

/** How long one credential read serves a trigger's requests: the bound the credentials' Secret fields state. */
export const CREDENTIAL_REUSE_MS = 10_000;
const MAX_KEPT = 256;

interface SharedRead {
	startedAt: number;
	read: Promise<ICredentialDataDecryptedObject>;
}

const reads = new Map<string, SharedRead>();

/**
 * The node's credential of this type, read at most once per {@link CREDENTIAL_REUSE_MS} per workflow, node
 * and credential. A node without a saved credential id (never chosen) is read every time.
 */
export async function readTriggerCredentials(context: IWebhookFunctions, type: string, now = Date.now()): Promise<ICredentialDataDecryptedObject> {
	const node = context.getNode();
	const reference = node.credentials?.[type];
	if (!reference?.id) return await context.getCredentials(type);
	const key = `${context.getWorkflow().id ?? ''}\u0000${node.id ?? node.name}\u0000${type}\u0000${reference.id}`;
	let shared = reads.get(key);
	if (shared === undefined || !(now - shared.startedAt >= 0 && now - shared.startedAt < CREDENTIAL_REUSE_MS)) {
		reads.delete(key);
		if (reads.size >= MAX_KEPT) {
			for (const [oldKey, entry] of reads) if (now - entry.startedAt >= CREDENTIAL_REUSE_MS) reads.delete(oldKey);
			if (reads.size >= MAX_KEPT) reads.delete(reads.keys().next().value as string);
		}
		const started: SharedRead = { startedAt: now, read: context.getCredentials(type) };
		shared = started;
		reads.set(key, started);
		// A failed read is not kept for later requests (only those already waiting share it).
		started.read.catch(() => {
			if (reads.get(key) === started) reads.delete(key);
		});
	}
	return { ...(await shared.read) };
}
