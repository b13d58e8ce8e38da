/**
 * The vendor triggers, run with a mocked webhook context (n8n-nodes-base's TriggerHelpers pattern):
 * a request in, then what n8n would do with the answer — the response the sender gets and the items
 * (per output) the workflow starts with. Requests are signed by the core exactly as each vendor signs.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, INodeType, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { DEFAULT_MAX_BYTES, getVendor, sign, type VendorId } from '../../shared/src/index';
import { HmacWebhookTrigger } from '../../nodes/HmacWebhook/HmacWebhookTrigger.node';
import { InCloudManagerTrigger } from '../../nodes/InCloudManager/InCloudManagerTrigger.node';
import { InHandDeviceManagerTrigger } from '../../nodes/InHand/InHandDeviceManagerTrigger.node';
import { OneNceTrigger } from '../../nodes/OneNce/OneNceTrigger.node';
import { ScalefusionTrigger } from '../../nodes/Scalefusion/ScalefusionTrigger.node';
import { StandardWebhooksTrigger } from '../../nodes/StandardWebhooks/StandardWebhooksTrigger.node';
import { checkSigningSecret } from '../../nodes/shared/credential-test';
import { webhookContext } from '../helpers/n8n-context';
import { chosenTypes, outputsExpression, routedTypes } from '../../nodes/shared/trigger/outputs';

interface TriggerNode {
	description: { outputs: unknown; credentials?: Array<{ name: string }>; webhooks?: Array<Record<string, unknown>> };
	webhook(this: IWebhookFunctions): Promise<IWebhookResponseData>;
}

interface Call {
	node: TriggerNode;
	rawBody?: Buffer;
	/** Bytes n8n has not read yet: only `readRawBody()` brings them (content types n8n does not parse). */
	unreadBody?: Buffer;
	/** `readRawBody()` fails as n8n's does when it has consumed the stream itself (multipart) or the client left. */
	unreadable?: boolean;
	headers?: Record<string, string>;
	credentials: ICredentialDataDecryptedObject;
	parameters?: IDataObject;
	staticData?: IDataObject;
	/** The workflow the node belongs to; by default one of its own per call (no two calls share a process memory scope). */
	workflowId?: string;
	/** The source address n8n's Express reports (`req.ip`, after N8N_PROXY_HOPS). */
	ip?: string;
	/** The node's id in its workflow. */
	nodeId?: string;
	/** n8n's logger (by default a fresh mock per call). */
	logger?: Record<'debug' | 'info' | 'warn' | 'error', ReturnType<typeof vi.fn>>;
}

let workflowCounter = 0;

interface Answer {
	status: number;
	body: IDataObject | undefined;
	result: IWebhookResponseData;
	/** The items per output, or undefined when no execution starts. */
	outputs: INodeExecutionData[][] | undefined;
	readRawBodyCalls: number;
}

/**
 * A field of the node's webhook description as n8n evaluates it for these parameters (n8n fills in the
 * defaults: "answer" is "onReceived" unless set). Our expressions read only $parameter.
 */
function hookField(hook: Record<string, unknown>, field: string, parameters: IDataObject): unknown {
	const value = hook[field];
	if (typeof value !== 'string' || !value.startsWith('={{')) return value;
	const expression = value.slice(3, -2);
	return new Function('$parameter', `return (${expression});`)({ answer: 'onReceived', ...parameters });
}

const newLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

/**
 * Runs the node's webhook() in the package's one mock of n8n's contexts (test/helpers/n8n-context.ts), with
 * the request as given: bytes n8n already read (`rawBody`), or bytes only `readRawBody()` brings.
 */
async function call({ node, rawBody, unreadBody, unreadable, headers = {}, credentials, parameters = {}, staticData = {}, workflowId = `wf-${++workflowCounter}`, nodeId = 'node-1', logger = newLogger(), ip }: Call): Promise<Answer> {
	let readRawBodyCalls = 0;
	const credentialType = node.description.credentials?.[0]?.name ?? 'none';
	const harness = webhookContext({
		nodeType: node as unknown as INodeType,
		parameters,
		credentials: { [credentialType]: credentials },
		staticData,
		node: { name: 'Trigger', id: nodeId },
		request: { body: rawBody ?? unreadBody, headers, rawBodyRead: rawBody !== undefined, ...(ip !== undefined ? { ip } : {}) },
		overrides: { getWorkflow: () => ({ id: workflowId, name: 'Workflow under test', active: true }), logger },
	});
	const request = harness.request;
	request.readRawBody = async () => {
		readRawBodyCalls++;
		if (unreadable) throw new Error('Request body stream was aborted or is not readable');
		request.rawBody = unreadBody ?? Buffer.alloc(0);
	};
	const result = await node.webhook.call(harness.context);
	let status = harness.response.statusCode;
	let body = harness.response.body as IDataObject | undefined;
	// What the answer below assumes of n8n: it answers on receipt, with the webhookResponse as the body.
	const hook = node.description.webhooks?.[0] ?? {};
	expect(hook).toMatchObject({ httpMethod: 'POST' });
	expect(hookField(hook, 'responseMode', parameters)).toBe('onReceived');
	expect(hookField(hook, 'responseData', parameters)).toBe('');
	if (result.noWebhookResponse === true) {
		// The node wrote its answer itself: a refusal (which starts nothing), or an accepted request whose
		// message id went into the replay list.
		expect(body).toBeDefined();
		if (status !== 200) expect(result.workflowData).toBeUndefined();
	} else {
		// Otherwise n8n answers (onReceived, responseData '' in the node's webhook description: the node's
		// webhookResponse, with the default code 200); the node writes nothing.
		expect(body).toBeUndefined();
		expect(result.webhookResponse).toBeDefined();
		status = 200;
		body = result.webhookResponse as IDataObject;
	}
	return { status, body, result, outputs: result.workflowData, readRawBodyCalls };
}

/** Evaluates the node's outputs expression as n8n does: the text between {{ }} with $parameter bound. */
function outputsFor(node: TriggerNode, parameter: IDataObject): Array<{ type: string; displayName?: string }> {
	const expression = String(node.description.outputs);
	expect(expression.startsWith('={{') && expression.endsWith('}}')).toBe(true);
	const source = expression.slice(3, -2);
	expect(source).not.toContain('}}'); // n8n's template parser would end the expression early
	return new Function('$parameter', `return ${source};`)(parameter) as Array<{ type: string; displayName?: string }>;
}

const secret = 'n8n-trigger-secret-1';
const previousSecret = 'n8n-trigger-secret-0';
const swSecret = `whsec_${Buffer.from('standard-webhooks-key-32-bytes!!').toString('base64')}`;
const swPrevious = `whsec_${Buffer.from('the-previous-key-of-32-bytes-ok!').toString('base64')}`;

interface VendorCase {
	vendor: VendorId;
	node: TriggerNode;
	credentials: ICredentialDataDecryptedObject;
	/** The secret to sign with for the credentials above, and the previous one. */
	secrets: [string, string];
	signOptions?: IDataObject;
	body: Record<string, unknown>;
}

const hmacCredentials = {
	secret,
	previousSecret,
	header: 'X-Hub-Signature-256',
	algorithm: 'sha256',
	encoding: 'hex',
	prefix: 'sha256=',
	signedContent: 'body',
	timestampHeader: 'X-Timestamp',
};

const sampleOf = (vendor: VendorId) => {
	const samples = getVendor(vendor)!.samples;
	return Object.values(samples)[0] as Record<string, unknown>;
};

const cases: VendorCase[] = [
	{ vendor: 'inhand-dm', node: new InHandDeviceManagerTrigger(), credentials: { secret, previousSecret }, secrets: [secret, previousSecret], body: sampleOf('inhand-dm') },
	{ vendor: 'incloud-manager', node: new InCloudManagerTrigger(), credentials: { secret, previousSecret }, secrets: [secret, previousSecret], body: sampleOf('incloud-manager') },
	{ vendor: 'scalefusion', node: new ScalefusionTrigger(), credentials: { secret, previousSecret }, secrets: [secret, previousSecret], body: sampleOf('scalefusion') },
	{
		vendor: 'standard-webhooks',
		node: new StandardWebhooksTrigger(),
		credentials: { secret: swSecret, previousSecret: swPrevious },
		secrets: [swSecret, swPrevious],
		body: { type: 'invoice.paid', id: 'evt_1', data: { amount: 3 } },
	},
	{
		vendor: 'generic-hmac',
		node: new HmacWebhookTrigger(),
		credentials: hmacCredentials,
		secrets: [secret, previousSecret],
		signOptions: { header: 'X-Hub-Signature-256', prefix: 'sha256=' },
		body: { type: 'push', id: 'delivery-1', repository: { name: 'devicehook' } },
	},
];

const json0 = (answer: Answer) => answer.outputs![0]![0]!.json;

function signed(c: VendorCase, withSecret = c.secrets[0], body: unknown = c.body) {
	const request = sign({ vendor: c.vendor, body, secret: withSecret, options: c.signOptions });
	return { rawBody: request.body, headers: { 'content-type': 'application/json', ...request.headers } };
}

describe.each(cases)('$vendor trigger', (c) => {
	it('starts the workflow with the normalized event for a signed request and answers 200 at once', async () => {
		const answer = await call({ node: c.node, ...signed(c), credentials: c.credentials });
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ received: true, type: json0(answer).type });
		expect(answer.outputs).toHaveLength(1);
		const json = answer.outputs![0]![0]!.json;
		expect(json).toMatchObject({ vendor: c.vendor, raw: c.body, authentication: 'verified' });
		expect(typeof json.type).toBe('string');
		expect(json.headers).toBeUndefined();
	});

	it('accepts the previous secret during a rotation', async () => {
		const answer = await call({ node: c.node, ...signed(c, c.secrets[1]), credentials: c.credentials });
		expect(answer.status).toBe(200);
		expect(answer.outputs).toHaveLength(1);
	});

	it('refuses a tampered body with the core status and message, and starts nothing', async () => {
		const request = signed(c);
		const tampered = Buffer.from(request.rawBody.toString('utf8').replace(/}$/, ', "injected": true}'));
		const answer = await call({ node: c.node, rawBody: tampered, headers: request.headers, credentials: c.credentials });
		expect(answer.status).toBe(401);
		expect(answer.body).toMatchObject({ code: 'signature_mismatch' });
		expect(String(answer.body!.message)).not.toBe('');
		expect(answer.outputs).toBeUndefined();
	});

	it('refuses a request signed with another secret', async () => {
		const other = c.vendor === 'standard-webhooks' ? `whsec_${Buffer.from('some-other-key-that-is-32-bytes!').toString('base64')}` : 'not-the-secret';
		const answer = await call({ node: c.node, ...signed(c, other), credentials: c.credentials });
		expect(answer.status).toBe(401);
		expect(answer.outputs).toBeUndefined();
	});

	it('refuses an unsigned request unless the user allows unsigned requests', async () => {
		const rawBody = Buffer.from(JSON.stringify(c.body));
		const refused = await call({ node: c.node, rawBody, headers: { 'content-type': 'application/json' }, credentials: c.credentials });
		expect(refused.status).toBe(401);
		expect(refused.body).toMatchObject({ code: 'signature_missing' });
		expect(refused.outputs).toBeUndefined();

		const allowed = await call({
			node: c.node,
			rawBody,
			headers: { 'content-type': 'application/json' },
			credentials: c.credentials,
			parameters: { allowUnsigned: true },
		});
		expect(allowed.status).toBe(200);
		expect(allowed.outputs![0]![0]!.json.authentication).toBe('unsigned_allowed');
	});

	it('outputs the raw body, and the headers when asked', async () => {
		const request = signed(c);
		const answer = await call({ node: c.node, ...request, credentials: c.credentials, parameters: { output: 'body', options: { includeHeaders: true } } });
		const json = answer.outputs![0]![0]!.json;
		expect({ ...json, headers: undefined }).toEqual({ ...c.body, headers: undefined });
		expect(json.headers).toMatchObject({ 'content-type': 'application/json' });
	});

	it('"Include Body Text" adds the body exactly as received, which the parsed item cannot keep', async () => {
		const request = signed(c);
		const answer = await call({ node: c.node, ...request, credentials: c.credentials, parameters: { options: { includeBodyText: true } } });
		expect(answer.outputs![0]![0]!.json.bodyText).toBe(request.rawBody.toString('utf8'));
		const without = await call({ node: c.node, ...signed(c), credentials: c.credentials });
		expect(without.outputs![0]![0]!.json).not.toHaveProperty('bodyText');
	});

	it('leaves headers that carry a secret out of "Include Headers"', async () => {
		const request = signed(c);
		const headers = { ...request.headers, Authorization: 'Bearer t', Cookie: 'session=1', 'Proxy-Authorization': 'Basic x', 'X-Request-Id': 'r1' };
		const answer = await call({ node: c.node, rawBody: request.rawBody, headers, credentials: c.credentials, parameters: { options: { includeHeaders: true } } });
		const kept = answer.outputs![0]![0]!.json.headers as Record<string, string>;
		expect(kept['x-request-id']).toBe('r1');
		const schemeHeaders = getVendor(c.vendor)!.scheme.signatureHeaders((c.signOptions ?? {}) as never);
		for (const name of [...schemeHeaders, 'authorization', 'cookie', 'proxy-authorization']) expect(Object.keys(kept), name).not.toContain(name.toLowerCase());
		// The MAC or key itself appears nowhere in the output (webhook-id is the event id, and stays as such).
		for (const [name, value] of Object.entries(request.headers)) {
			if (schemeHeaders.includes(name.toLowerCase()) && !/-(id|timestamp)$/i.test(name)) expect(JSON.stringify(answer.outputs)).not.toContain(value);
		}
	});

	it('fails closed: without a secret every request is refused 503 not_configured, unless "Accept Unauthenticated Requests" is on', async () => {
		const request = signed(c);
		for (const credentials of [{ ...c.credentials, secret: '', previousSecret: '' }, { ...c.credentials, secret: '${WEBHOOK_SECRET}', previousSecret: '' }]) {
			const refused = await call({ node: c.node, ...request, credentials });
			expect(refused.status).toBe(503);
			expect(refused.body).toMatchObject({ code: 'not_configured' });
			expect(refused.outputs).toBeUndefined();
		}
		const named = await call({ node: c.node, ...request, credentials: { ...c.credentials, secret: '${WEBHOOK_SECRET}', previousSecret: '' } });
		expect(String(named.body!.message)).toContain('WEBHOOK_SECRET');
		const open = await call({ node: c.node, ...request, credentials: { ...c.credentials, secret: '', previousSecret: '' }, parameters: { allowUnauthenticated: true } });
		expect(open.status).toBe(200);
		expect(open.outputs![0]![0]!.json.authentication).toBe('no_secret');
	});

	it('refuses a body over the size cap with 413 before checking it', async () => {
		const big = { ...c.body, padding: 'x'.repeat(3 * 1024) };
		const answer = await call({ node: c.node, ...signed(c, c.secrets[0], big), credentials: c.credentials, parameters: { options: { maxBodyKiB: 2 } } });
		expect(answer.status).toBe(413);
		expect(answer.outputs).toBeUndefined();
	});

	it('reads the raw body itself when n8n has not (content types n8n does not parse)', async () => {
		const request = signed(c);
		const headers = { ...request.headers, 'content-type': 'application/octet-stream' };
		const answer = await call({ node: c.node, unreadBody: request.rawBody, headers, credentials: c.credentials });
		expect(answer.readRawBodyCalls).toBe(1);
		expect(answer.status).toBe(200);
		expect(answer.outputs![0]![0]!.json.raw).toEqual(c.body);
		const alreadyRead = await call({ node: c.node, ...request, credentials: c.credentials });
		expect(alreadyRead.readRawBodyCalls).toBe(0);
	});

	it('refuses a body it cannot read (n8n consumed a multipart upload, or the client left) with a 4xx, not a throw', async () => {
		const request = signed(c);
		const withoutType = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
		const multipart = await call({ node: c.node, unreadable: true, headers: { ...withoutType, 'content-type': 'multipart/form-data; boundary=x' }, credentials: c.credentials });
		expect(multipart.status).toBe(415);
		expect(multipart.body).toMatchObject({ code: 'unsupported_media_type' });
		expect(multipart.outputs).toBeUndefined();
		const json = await call({ node: c.node, unreadable: true, headers: request.headers, credentials: c.credentials });
		expect(json.status).toBe(400);
		expect(json.body).toMatchObject({ code: 'invalid_input' });
		expect(json.outputs).toBeUndefined();
	});

	it('declares the credential it reads, with a test', () => {
		expect(c.node.description.credentials?.map((entry) => entry.name)).toHaveLength(1);
	});
});

describe("refusals in n8n's log", () => {
	const c = cases[0]!; // InHand: a body whose every field must stay out of the log
	const wrong = () => signed(c, 'not-the-secret');

	it('warns about a wrong secret with the node, workflow, vendor, code and reason, never a secret, header value or body', async () => {
		const logger = newLogger();
		const request = wrong();
		const answer = await call({ node: c.node, ...request, credentials: c.credentials, logger, workflowId: 'wf-warn-1', nodeId: 'n-warn-1' });
		expect(answer.status).toBe(401);
		expect(logger.warn).toHaveBeenCalledTimes(1);
		const line = String(logger.warn.mock.calls[0]![0]);
		expect(line).toContain('signature_mismatch');
		expect(line).toContain(String(answer.body!.message)); // the reason the sender got
		expect(line).toContain('"Trigger"');
		expect(line).toContain('wf-warn-1');
		expect(line).toContain('inhand-dm');
		expect(line).not.toMatch(/suppressed/);
		const logged = JSON.stringify(logger.warn.mock.calls);
		for (const value of [secret, previousSecret, 'not-the-secret', ...Object.values(request.headers).filter((v) => v !== 'application/json')]) expect(logged).not.toContain(value);
		for (const value of Object.values(c.body)) if (typeof value === 'string' && value.length > 3) expect(logged).not.toContain(value);
		expect(logger.warn.mock.calls[0]![1]).toMatchObject({ workflowId: 'wf-warn-1', vendor: 'inhand-dm', code: 'signature_mismatch', status: 401, suppressed: 0 });
	});

	it('100 refusals of one trigger give one line; the next line, a window later, says 99 were suppressed', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			vi.setSystemTime(new Date('2026-12-03T12:00:00Z'));
			const logger = newLogger();
			for (let i = 0; i < 100; i++) {
				const answer = await call({ node: c.node, ...wrong(), credentials: c.credentials, logger, workflowId: 'wf-warn-100', nodeId: 'n-warn-100' });
				expect(answer.status).toBe(401);
			}
			expect(logger.warn).toHaveBeenCalledTimes(1);

			// Another trigger (another workflow, or another node of the same) is warned about on its own.
			await call({ node: c.node, ...wrong(), credentials: c.credentials, logger, workflowId: 'wf-warn-100', nodeId: 'n-warn-other' });
			await call({ node: c.node, ...wrong(), credentials: c.credentials, logger, workflowId: 'wf-warn-other', nodeId: 'n-warn-100' });
			expect(logger.warn).toHaveBeenCalledTimes(3);

			vi.setSystemTime(new Date('2026-12-03T12:00:11Z'));
			await call({ node: c.node, rawBody: Buffer.from('{}'), headers: { 'content-type': 'application/json' }, credentials: c.credentials, logger, workflowId: 'wf-warn-100', nodeId: 'n-warn-100' });
			expect(logger.warn).toHaveBeenCalledTimes(4);
			const line = String(logger.warn.mock.calls[3]![0]);
			expect(line).toContain('signature_missing');
			expect(line).toContain('[99 similar refusals suppressed since the last line]');
		} finally {
			vi.useRealTimers();
		}
	});

	it('does not warn about accepted requests or duplicates', async () => {
		const logger = newLogger();
		const staticData = {};
		const request = signed(c);
		for (let i = 0; i < 2; i++) await call({ node: c.node, ...request, credentials: c.credentials, logger, staticData, workflowId: 'wf-warn-ok', parameters: { options: { refuseReplays: true } } });
		expect(logger.warn).not.toHaveBeenCalled();
	});
});

describe('routing by event type', () => {
	const node = new InHandDeviceManagerTrigger();
	const catalogue = getVendor('inhand-dm')!.eventTypes.map((entry) => entry.value);
	const [first, second, third] = catalogue as [string, string, string];
	const c = cases[0]!;
	const bodyOfType = (type: string) => ({ ...(getVendor('inhand-dm')!.samples[type] as Record<string, unknown>) });

	it('draws one output, then one per chosen type plus Other, labelled from the catalogue', () => {
		expect(outputsFor(node, { routeByType: false, eventTypes: [first] })).toEqual([{ type: 'main' }]);
		const outputs = outputsFor(node, { routeByType: true, eventTypes: [second, first] });
		expect(outputs.map((o) => o.displayName)).toEqual([...[second, first].map((type) => getVendor('inhand-dm')!.eventTypes.find((entry) => entry.value === type)!.label), 'Other']);
		expect(outputs.every((o) => o.type === 'main')).toBe(true);
		// None chosen: the whole catalogue, then Other.
		expect(outputsFor(node, { routeByType: true, eventTypes: [] })).toHaveLength(catalogue.length + 1);
	});

	it('puts the event on the output of its type, and unchosen types on Other', async () => {
		const parameters = { routeByType: true, eventTypes: [second, first] };
		for (const [type, expectedIndex] of [
			[first, 1],
			[second, 0],
			[third, 2],
		] as const) {
			const answer = await call({ node, ...signed(c, secret, bodyOfType(type)), credentials: c.credentials, parameters });
			expect(answer.outputs).toHaveLength(outputsFor(node, parameters).length);
			const nonEmpty = answer.outputs!.map((items, index) => (items.length > 0 ? index : -1)).filter((i) => i >= 0);
			expect(nonEmpty).toEqual([expectedIndex]);
			expect(answer.outputs![expectedIndex]![0]!.json.type).toBe(type);
		}
	});

	it('without routing, answers 200 "ignored" to types not chosen and starts nothing', async () => {
		const answer = await call({ node, ...signed(c, secret, bodyOfType(third)), credentials: c.credentials, parameters: { eventTypes: [first] } });
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ received: true, ignored: true, message: expect.stringContaining(third) });
		expect(answer.outputs).toBeUndefined();
		const taken = await call({ node, ...signed(c, secret, bodyOfType(first)), credentials: c.credentials, parameters: { eventTypes: [first] } });
		expect(taken.outputs![0]![0]!.json.type).toBe(first);
	});

	it('the runtime routing and the drawn outputs agree for every catalogue type and choice', () => {
		for (let n = 0; n <= catalogue.length; n++) {
			const chosen = catalogue.slice(0, n).reverse();
			const drawn = outputsFor(node, { routeByType: true, eventTypes: chosen });
			expect(drawn).toHaveLength(routedTypes('inhand-dm', chosen).length + 1);
		}
		expect(chosenTypes(' a, b ,,c')).toEqual(['a', 'b', 'c']);
		expect(chosenTypes(['a'])).toEqual(['a']);
	});

	it('routes open vendors by comma-separated types, with Other for the rest', async () => {
		const hmac = cases[4]!;
		const parameters = { routeByType: true, eventTypes: 'push, release' };
		expect(outputsFor(hmac.node, parameters).map((o) => o.displayName)).toEqual(['push', 'release', 'Other']);
		const answer = await call({ node: hmac.node, ...signed(hmac, secret, { type: 'release', id: 'r1' }), credentials: hmac.credentials, parameters });
		expect(answer.outputs!.map((items) => items.length)).toEqual([0, 1, 0]);
	});

	it('every trigger expression names only catalogue labels', () => {
		for (const vendor of ['inhand-dm', 'incloud-manager', 'scalefusion'] as VendorId[]) {
			const expression = outputsExpression(vendor);
			for (const entry of getVendor(vendor)!.eventTypes) expect(expression).toContain(JSON.stringify(entry.label));
		}
	});
});

describe('generic HMAC trigger settings', () => {
	const node = new HmacWebhookTrigger();
	it('reads the type from a header when told to (GitHub style)', async () => {
		const body = { zen: 'Keep it logically awesome.', hook_id: 1 };
		const request = sign({ vendor: 'generic-hmac', body, secret, options: { header: 'X-Hub-Signature-256', prefix: 'sha256=' } });
		const answer = await call({
			node,
			rawBody: request.body,
			headers: { ...request.headers, 'X-GitHub-Event': 'ping' },
			credentials: hmacCredentials,
			parameters: { options: { typeHeader: 'X-GitHub-Event' } },
		});
		expect(answer.status).toBe(200);
		expect(answer.outputs![0]![0]!.json.type).toBe('ping');
	});

	it('checks a signed timestamp when the credential says so', async () => {
		const credentials = { ...hmacCredentials, prefix: '', header: 'X-Signature', signedContent: 'timestamp.body', timestampHeader: 'X-Timestamp' };
		const options = { header: 'X-Signature', signedContent: 'timestamp.body' as const, timestampHeader: 'X-Timestamp' };
		const fresh = sign({ vendor: 'generic-hmac', body: { type: 't' }, secret, options });
		expect((await call({ node, rawBody: fresh.body, headers: fresh.headers, credentials })).status).toBe(200);
		const stale = sign({ vendor: 'generic-hmac', body: { type: 't' }, secret, options: { ...options, timestamp: Math.floor(Date.now() / 1000) - 3600 } });
		const answer = await call({ node, rawBody: stale.body, headers: stale.headers, credentials });
		expect(answer.status).toBe(401);
		expect(answer.body).toMatchObject({ code: 'timestamp_out_of_window' });
	});
});

describe('Standard Webhooks replay protection', () => {
	const c = cases[3]!;
	it('answers a repeated message id 200 "duplicate" and starts nothing, keeping the list (hashed) in the workflow static data', async () => {
		const staticData: IDataObject = {};
		const request = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret, options: { messageId: 'msg_replayed_1' } });
		const first = await call({ node: c.node, rawBody: request.body, headers: request.headers, credentials: c.credentials, staticData });
		expect(first.status).toBe(200);
		expect(Object.keys(staticData.seenMessageIds as object)).toHaveLength(1);
		expect(JSON.stringify(staticData)).not.toContain('msg_replayed_1'); // a fixed-size hash, not the id
		// A second n8n process with the same (persisted) static data refuses it too: nothing is kept in memory.
		const again = await call({ node: new StandardWebhooksTrigger(), rawBody: request.body, headers: request.headers, credentials: c.credentials, staticData });
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({ received: true, duplicate: true, message: expect.stringContaining('already received') });
		expect(again.outputs).toBeUndefined();
	});

	it('answers an accepted message itself when its id went into the replay list (so n8n saves the list before queueing), else leaves the answer to n8n', async () => {
		const request = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret });
		const withList = await call({ node: c.node, rawBody: request.body, headers: request.headers, credentials: c.credentials });
		expect(withList.result.noWebhookResponse).toBe(true);
		expect(withList.body).toEqual({ received: true, type: c.body.type });
		expect(withList.outputs![0]).toHaveLength(1);
		const other = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret });
		const withoutList = await call({ node: c.node, rawBody: other.body, headers: other.headers, credentials: c.credentials, parameters: { options: { refuseReplays: false } } });
		expect(withoutList.result.noWebhookResponse).toBeUndefined();
		expect(withoutList.result.webhookResponse).toEqual({ received: true, type: c.body.type });
		expect(withoutList.outputs![0]).toHaveLength(1);
	});

	it('refuses a copy that arrives while the first is in flight (static data not saved yet) in the same process', async () => {
		const request = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret, options: { messageId: 'msg_in_flight' } });
		const send = (workflowId: string) =>
			// A fresh static data object each time: what n8n loads for a request before the previous one has saved.
			call({ node: c.node, rawBody: request.body, headers: request.headers, credentials: c.credentials, staticData: {}, workflowId });
		expect((await send('wf-in-flight')).status).toBe(200);
		const copy = await send('wf-in-flight');
		expect(copy.body).toMatchObject({ duplicate: true });
		expect(copy.outputs).toBeUndefined();
		// The same message to another workflow (a sender fanning out to two endpoints) is that workflow's first.
		expect((await send('wf-other')).status).toBe(200);
	});

	it('can be turned off', async () => {
		const staticData: IDataObject = {};
		const request = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret, options: { messageId: 'msg_2' } });
		const parameters = { options: { refuseReplays: false } };
		await call({ node: c.node, rawBody: request.body, headers: request.headers, credentials: c.credentials, staticData, parameters });
		const again = await call({ node: c.node, rawBody: request.body, headers: request.headers, credentials: c.credentials, staticData, parameters });
		expect(again.status).toBe(200);
		expect(staticData.seenMessageIds).toBeUndefined();
	});
});

describe('trigger parameters', () => {
	const node = new InHandDeviceManagerTrigger() as unknown as { description: { properties: Array<{ name: string; default?: unknown; options?: Array<{ name: string; default?: unknown }> }> } };
	const property = (name: string) => node.description.properties.find((p) => p.name === name);
	const option = (name: string) => property('options')!.options!.find((p) => p.name === name);

	it('"Accept Unauthenticated Requests" is off by default and shows a warning notice when on', () => {
		expect(property('allowUnauthenticated')).toMatchObject({ type: 'boolean', default: false });
		expect(property('unauthenticatedWarning')).toMatchObject({ type: 'notice', displayOptions: { show: { allowUnauthenticated: [true] } } });
	});

	it('the body size shown is the core’s default, and the duplicate window names the vendor’s horizon', () => {
		expect(option('maxBodyKiB')!.default).toBe(DEFAULT_MAX_BYTES / 1024);
		expect(JSON.stringify(option('duplicateHorizonHours'))).toContain(`${getVendor('inhand-dm')!.duplicates.horizonSeconds / 3600} h`);
	});

	it('a duplicate window of a few hours is used as given', async () => {
		const c = cases[3]!;
		const staticData: IDataObject = {};
		const request = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret });
		const before = Date.now();
		await call({ node: c.node, rawBody: request.body, headers: request.headers, credentials: c.credentials, staticData, parameters: { options: { duplicateHorizonHours: 3 } } });
		const [expiry] = Object.values(staticData.seenMessageIds as Record<string, number>);
		expect(expiry! - before).toBeGreaterThanOrEqual(3 * 3600_000 - 1000);
		expect(expiry! - before).toBeLessThanOrEqual(3 * 3600_000 + 5000);
	});
});

describe('allowed sources', () => {
	const c = cases[0]!;

	it('refuses a source not in "Allowed Sources" with 403 source_not_allowed naming it, without reading the body or starting anything', async () => {
		const parameters = { options: { allowedSources: '52.29.71.11, 10.0.0.0/8' } };
		const refused = await call({ node: c.node, ...signed(c), rawBody: undefined, unreadBody: signed(c).rawBody, credentials: c.credentials, parameters, ip: '203.0.113.9' });
		expect(refused.status).toBe(403);
		expect(refused.body).toEqual({ code: 'source_not_allowed', message: expect.stringContaining('203.0.113.9') });
		expect(refused.outputs).toBeUndefined();
		expect(refused.readRawBodyCalls).toBe(0);
		// Allowed: checked and started as usual; IPv4-mapped IPv6 (a dual-stack socket) matches the IPv4 range.
		for (const ip of ['10.1.2.3', '::ffff:10.1.2.3', '52.29.71.11']) {
			const accepted = await call({ node: c.node, ...signed(c), credentials: c.credentials, parameters, ip });
			expect(accepted.status, ip).toBe(200);
			expect(accepted.outputs?.[0]).toHaveLength(1);
		}
		// No address from n8n: refused too (fail closed).
		expect((await call({ node: c.node, ...signed(c), credentials: c.credentials, parameters })).status).toBe(403);
	});

	it('an entry that is not an address or range is answered 400 invalid_input naming it', async () => {
		const answer = await call({ node: c.node, ...signed(c), credentials: c.credentials, parameters: { options: { allowedSources: '10.0.0.0/8, 10.0.0.1/99' } }, ip: '10.0.0.1' });
		expect(answer.status).toBe(400);
		expect(answer.body).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('"10.0.0.1/99"') });
	});

	it("1NCE offers its published addresses; other vendors, which publish none, do not", async () => {
		const once = new OneNceTrigger() as unknown as TriggerNode & { description: { properties: Array<{ name: string; options?: Array<{ name: string; description?: string }> }> } };
		const options = once.description.properties.find((p) => p.name === 'options')!.options!;
		expect(options.find((o) => o.name === 'vendorSources')?.description).toContain('52.29.71.11, 18.157.211.95');
		const inhand = (c.node as unknown as typeof once).description.properties.find((p) => p.name === 'options')!.options!;
		expect(inhand.find((o) => o.name === 'vendorSources')).toBeUndefined();
		expect(inhand.find((o) => o.name === 'allowedSources')).toBeDefined();

		const body = JSON.stringify(getVendor('1nce')!.samples['TEST_MESSAGE']);
		const request = (ip: string) => ({
			node: once,
			rawBody: Buffer.from(body),
			headers: { 'content-type': 'application/json', 'x-api-key': 'k-1nce' },
			credentials: { secret: 'k-1nce', authHeaderName: 'x-api-key' },
			parameters: { options: { vendorSources: true } },
			ip,
		});
		expect((await call(request('::ffff:18.157.211.95'))).status).toBe(200);
		expect((await call(request('52.29.71.11'))).status).toBe(200);
		expect(await call(request('198.51.100.4'))).toMatchObject({ status: 403, body: { code: 'source_not_allowed' } });
	});
});

describe('credential test of the secret-only credentials', () => {
	const test = (type: string, data: IDataObject) => checkSigningSecret.call({} as never, { id: '1', name: 'c', type, data } as never);
	it('says what is wrong, or OK', async () => {
		expect((await test('inHandWebhookApi', { secret: '' })).status).toBe('Error');
		expect((await test('inHandWebhookApi', { secret: 's' })).status).toBe('OK');
		expect((await test('standardWebhooksApi', { secret: 'whsec_not base64!' })).status).toBe('Error');
		expect((await test('standardWebhooksApi', { secret: swSecret, previousSecret: 'whsec_%%%' })).status).toBe('Error');
		expect((await test('standardWebhooksApi', { secret: swSecret })).status).toBe('OK');
		expect((await test('genericHmacApi', { secret: 's', header: 'Bad Header' })).status).toBe('Error');
		expect((await test('genericHmacApi', { secret: 's', header: 'X-Signature' })).status).toBe('OK');
	});
});

describe('Answer: when the workflow has finished (n8n response mode lastNode)', () => {
	const c = cases[3]!; // Standard Webhooks: duplicates on by default, where the node otherwise answers itself
	const lastNode = { answer: 'lastNode' };

	it("declares n8n's lastNode mode with no body (noData) when chosen, onReceived otherwise", () => {
		for (const node of cases.map((v) => v.node)) {
			const hook = node.description.webhooks![0]!;
			expect(hookField(hook, 'responseMode', lastNode)).toBe('lastNode');
			expect(hookField(hook, 'responseData', lastNode)).toBe('noData');
			expect(hookField(hook, 'responseMode', {})).toBe('onReceived');
			expect(hookField(hook, 'responseData', {})).toBe('');
		}
	});

	it("carries n8n 2.41's native resolvers for those fields, equal to the templates, so n8n needs no expression engine for them", () => {
		// n8n-workflow's webhookDescriptionIsNativelyResolvable / resolveWebhookDescriptionField: a field is
		// resolved natively when the resolver's template is the field's value; a value without "=" needs none.
		const RESOLVERS = Symbol.for('n8n.webhookDescriptionResolvers');
		for (const node of cases.map((v) => v.node)) {
			const hook = node.description.webhooks![0]! as Record<string | symbol, unknown>;
			const resolvers = hook[RESOLVERS] as Record<string, { template: string; resolve: (p: IDataObject) => unknown }>;
			for (const [field, value] of Object.entries(hook)) {
				if (typeof value === 'string' && value.startsWith('=')) expect(resolvers[field]?.template, field).toBe(value);
			}
			for (const parameters of [lastNode, { answer: 'onReceived' }, {}]) {
				for (const field of ['responseMode', 'responseData']) expect(resolvers[field]!.resolve(parameters), field).toBe(hookField(hook, field, parameters));
			}
		}
	});

	it.each(cases.map((v) => [v.vendor, v] as const))('%s: an accepted request starts the workflow and leaves the answer to n8n (nothing written, no body)', async (_vendor, v) => {
		const request = signed(v);
		const harness = webhookContext({
			nodeType: v.node as unknown as INodeType,
			parameters: lastNode,
			credentials: { [v.node.description.credentials?.[0]?.name ?? 'none']: v.credentials },
			request: { body: request.rawBody, headers: request.headers },
		});
		const result = await v.node.webhook.call(harness.context);
		expect(harness.response.ended).toBe(false);
		expect(result.noWebhookResponse).toBeUndefined();
		expect(result.webhookResponse).toBeUndefined();
		expect(result.workflowData?.flat()).toHaveLength(1);
	});

	it('refusals, ignored types and duplicates are still answered at once', async () => {
		const staticData: IDataObject = {};
		const run = async (request: { body: Buffer; headers: Record<string, string> }, parameters: IDataObject = lastNode) => {
			const harness = webhookContext({
				nodeType: c.node as unknown as INodeType,
				parameters,
				credentials: { standardWebhooksApi: c.credentials },
				staticData,
				request: { body: request.body, headers: request.headers },
			});
			const result = await c.node.webhook.call(harness.context);
			return { result, response: harness.response };
		};
		const forged = sign({ vendor: 'standard-webhooks', body: c.body, secret: `whsec_${Buffer.from('another key entirely!').toString('base64')}` });
		const refused = await run(forged);
		expect(refused.result.noWebhookResponse).toBe(true);
		expect(refused.response.statusCode).toBe(401);
		expect(refused.result.workflowData).toBeUndefined();

		const good = sign({ vendor: 'standard-webhooks', body: c.body, secret: swSecret, options: { messageId: 'msg_last_node' } });
		expect((await run(good)).result.workflowData).toBeDefined();
		const copy = await run(good);
		expect(copy.result.noWebhookResponse).toBe(true);
		expect(copy.response.body).toMatchObject({ received: true, duplicate: true });

		const other = sign({ vendor: 'standard-webhooks', body: { ...c.body, type: 'not.chosen' }, secret: swSecret });
		const ignored = await run(other, { ...lastNode, eventTypes: 'invoice.paid' });
		expect(ignored.result.workflowData).toBeUndefined();
		expect(ignored.result.webhookResponse).toMatchObject({ received: true, ignored: true });
	});
});
