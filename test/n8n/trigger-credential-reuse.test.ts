/**
 * A trigger reads its credential at most once per 10 s (n8n resolves every credential read through its
 * expression engine, an isolate per read with n8n's default settings), and what users notice stays true:
 * a changed secret takes effect within the 10 s the credential's Secret field states, a failed read is
 * not kept, and nodes do not share what they read.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ICredentialDataDecryptedObject, INodeType } from 'n8n-workflow';
import { sign } from '../../shared/src/index';
import { InHandDeviceManagerTrigger } from '../../nodes/InHand/InHandDeviceManagerTrigger.node';
import { CREDENTIAL_REUSE_MS } from '../../nodes/shared/trigger/credential-cache';
import { InHandWebhookApi } from '../../credentials/InHandWebhookApi.credentials';
import { webhookAnswer, webhookContext } from '../helpers/n8n-context';

const trigger = new InHandDeviceManagerTrigger();
const alert = { _id: 'a1', alertType: 'offline', serialNumber: 'SN1', message: 'offline' };

let workflowCounter = 0;

/** One request to the node `nodeId` of workflow `workflowId`, whose credential (id `credentialId`) holds `stored`. */
async function send(options: { signedWith: string; stored: () => ICredentialDataDecryptedObject; credentialId: string; workflowId: string; nodeId?: string }) {
	const signed = sign({ vendor: 'inhand-dm', body: alert, secret: options.signedWith });
	const reads = vi.fn(async () => options.stored());
	const harness = webhookContext({
		nodeType: trigger as unknown as INodeType,
		credentials: { inHandWebhookApi: {} },
		node: { id: options.nodeId ?? 'node-1', credentials: { inHandWebhookApi: { id: options.credentialId, name: 'InHand' } } },
		overrides: { getCredentials: reads, getWorkflow: () => ({ id: options.workflowId, name: 'w', active: true }) },
		request: { body: signed.body, headers: signed.headers as Record<string, string> },
	});
	const result = await trigger.webhook.call(harness.context);
	return { status: webhookAnswer(harness, result).status, reads: reads.mock.calls.length };
}

describe('a trigger reuses the credential it read for 10 s', () => {
	afterEach(() => vi.useRealTimers());

	it('reads once for requests within 10 s; a changed secret takes effect once they are over', async () => {
		vi.useFakeTimers({ now: new Date('2026-12-03T12:00:00Z'), toFake: ['Date'] });
		const workflowId = `wf-reuse-${++workflowCounter}`;
		let secret = 'first-secret';
		const common = { stored: () => ({ secret }), credentialId: `cred-${workflowCounter}`, workflowId };

		expect(await send({ ...common, signedWith: 'first-secret' })).toEqual({ status: 200, reads: 1 });
		expect(await send({ ...common, signedWith: 'first-secret' })).toEqual({ status: 200, reads: 0 });

		secret = 'second-secret'; // changed in the credential
		vi.advanceTimersByTime(CREDENTIAL_REUSE_MS - 1);
		expect((await send({ ...common, signedWith: 'first-secret' })).status).toBe(200); // within the stated bound
		vi.advanceTimersByTime(1);
		expect(await send({ ...common, signedWith: 'second-secret' })).toEqual({ status: 200, reads: 1 });
		expect((await send({ ...common, signedWith: 'first-secret' })).status).toBe(401);
	});

	it('does not keep a failed read: the next request reads again', async () => {
		const workflowId = `wf-reuse-${++workflowCounter}`;
		const credentialId = `cred-${workflowCounter}`;
		const missing = await send({ signedWith: 's', credentialId, workflowId, stored: () => { throw new Error('Credential with ID "x" does not exist'); } });
		expect(missing).toEqual({ status: 503, reads: 1 });
		expect(await send({ signedWith: 's', credentialId, workflowId, stored: () => ({ secret: 's' }) })).toEqual({ status: 200, reads: 1 });
	});

	it('shares one read among requests that arrive together', async () => {
		const workflowId = `wf-reuse-${++workflowCounter}`;
		const credentialId = `cred-${workflowCounter}`;
		const burst = await Promise.all(Array.from({ length: 5 }, () => send({ signedWith: 's', credentialId, workflowId, stored: () => ({ secret: 's' }) })));
		expect(burst.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
		expect(burst.reduce((sum, answer) => sum + answer.reads, 0)).toBe(1);
	});

	it('keeps what each node read apart: another node or workflow reads its own', async () => {
		const workflowId = `wf-reuse-${++workflowCounter}`;
		const credentialId = `cred-${workflowCounter}`;
		expect(await send({ signedWith: 'a', credentialId, workflowId, stored: () => ({ secret: 'a' }) })).toEqual({ status: 200, reads: 1 });
		expect(await send({ signedWith: 'b', credentialId, workflowId, nodeId: 'node-2', stored: () => ({ secret: 'b' }) })).toEqual({ status: 200, reads: 1 });
		expect(await send({ signedWith: 'c', credentialId, workflowId: `${workflowId}-other`, stored: () => ({ secret: 'c' }) })).toEqual({ status: 200, reads: 1 });
	});

	it('states the bound where the secret is changed', () => {
		const secretField = new InHandWebhookApi().properties.find((property) => property.name === 'secret');
		expect(secretField?.description).toContain(`${CREDENTIAL_REUSE_MS / 1000} seconds`);
	});
});
