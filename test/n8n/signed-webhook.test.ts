/**
 * The Signed Webhook node, run with a mocked execute context whose `helpers.httpRequest` is n8n's own
 * HTTP request implementation (@n8n/backend-network's axios client, the code behind
 * `this.helpers.httpRequest`), sending real requests to a local receiver. What arrives is checked as a
 * receiver would check it: the core's verify() for every scheme, the vendors' own Python code for
 * InHand and Scalefusion, the `standardwebhooks` library for Standard Webhooks, plain HMAC for HMAC.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { NodeApiError, NodeHelpers, NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestOptions,
	INodeExecutionData,
} from 'n8n-workflow';
import { pythonJsonDumps, retryPolicies, vendors, verify, type VendorId } from '../../shared/src/index';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { createN8nSleep, createN8nTransport } from '../../nodes/shared/n8n-transport';
import { credentialSchemeOptions } from '../../nodes/shared/trigger/credentials';
import { executeContext, parametersWithDefaults } from '../helpers/n8n-context';
import { pythonVerdicts } from '../helpers/python-verifiers';
import { closedPort, startReceiver, type Behaviour, type Receiver, type ReceivedRequest } from '../helpers/receiver';

const root = path.resolve(__dirname, '../..');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// n8n's request implementation (the package is in the tree through @n8n/node-cli; its ESM entry points
// at sources it does not ship, hence require). SSRF protection off, as n8n's default.
const { OutboundHttp } = createRequire(path.join(root, 'package.json'))('@n8n/backend-network') as {
	OutboundHttp: new (ssrf: unknown, config: { enabled: boolean }, logger: unknown) => {
		requests(): { request(options: IHttpRequestOptions): Promise<unknown> };
	};
};
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const n8nHttpRequest = new OutboundHttp(undefined, { enabled: false }, logger).requests().request;

const node = new SignedWebhook();
const properties = node.description.properties;

/** A parameter value, or a function of the item index (what an expression would give per item). */
type Parameter = unknown | ((itemIndex: number) => unknown);

interface Run {
	parameters: Record<string, Parameter>;
	items?: IDataObject[];
	credentials: Record<string, ICredentialDataDecryptedObject>;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	/** The node's version in the workflow. @defaultValue 1 */
	typeVersion?: number;
	/** Extra helpers (e.g. n8n 2.41's getSecureEgressFilter). */
	helpers?: Record<string, unknown>;
}

interface Ran {
	output: INodeExecutionData[];
	credentialNames: string[];
	httpRequest: ReturnType<typeof vi.fn>;
}

/**
 * Runs execute() in the package's one mock of n8n's contexts (test/helpers/n8n-context.ts: parameters with
 * the defaults of this node version, credentials by type), with n8n's own `httpRequest` sending for real.
 */
async function run({ parameters, items = [{}], credentials, continueOnFail = false, signal, typeVersion = 1, helpers = {} }: Run): Promise<Ran> {
	const credentialNames: string[] = [];
	const httpRequest = vi.fn((options: IHttpRequestOptions) => n8nHttpRequest(options));
	const harness = executeContext({
		nodeType: node,
		parameters,
		credentials,
		continueOnFail,
		inputData: items.map((json) => ({ json })),
		node: { id: 'n1', name: 'Signed Webhook', typeVersion },
		overrides: { getExecutionCancelSignal: () => signal, logger },
	});
	const context = harness.context as unknown as Record<string, unknown>;
	const getCredentials = context.getCredentials as (name: string) => Promise<ICredentialDataDecryptedObject>;
	context.getCredentials = async (name: string) => {
		credentialNames.push(name);
		return await getCredentials(name);
	};
	context.helpers = { ...(context.helpers as object), httpRequest, ...helpers };
	const [output] = await node.execute.call(harness.context);
	return { output: output!, credentialNames, httpRequest };
}

/** n8n's test for "this item goes to the error output" (workflow-execute.ts handleNodeErrorOutput). */
function routesToErrorOutput(item: INodeExecutionData): boolean {
	const json = item.json;
	return Boolean(item.error || (json.error && Object.keys(json).length === 1) || (json.error && json.message && Object.keys(json).length === 2));
}

let receiver: Receiver | undefined;
afterEach(async () => {
	await receiver?.close();
	receiver = undefined;
});

async function receive(script?: (n: number, request: ReceivedRequest) => Behaviour): Promise<Receiver> {
	receiver = await startReceiver(script);
	return receiver;
}

const HMAC = {
	secret: 'hmac-secret',
	previousSecret: 'hmac-old-secret',
	header: 'X-Hub-Signature-256',
	algorithm: 'sha256',
	encoding: 'hex',
	prefix: 'sha256=',
	signedContent: 'body',
	timestampHeader: 'X-Timestamp',
};
const STANDARD = { secret: `whsec_${Buffer.from('a 24-byte test signing key').toString('base64')}`, previousSecret: '' };
const INHAND = { secret: 'inhand-secret', previousSecret: 'inhand-old' };
const SCALEFUSION = { secret: 'sf-secret', previousSecret: '' };
const EDGESENSE = { baseUrl: 'https://api.edgesense.invalid', headerName: 'X-API-Key', apiKey: 'edgesense-api-key', secret: 'edge-secret', previousSecret: '' };
const ONENCE = { baseUrl: 'https://api.1nce.invalid', username: 'api-user', password: 'api-password', accessToken: 'cached-token', authHeaderName: 'x-1nce-auth', secret: 'static-header-value', previousSecret: 'old-value' };
const ALL_CREDENTIALS = {
	genericHmacApi: HMAC,
	standardWebhooksApi: STANDARD,
	inHandWebhookApi: INHAND,
	scalefusionWebhookApi: SCALEFUSION,
	edgeSenseApi: EDGESENSE,
	oneNceApi: ONENCE,
};

/** Everything secret in the credentials: none of it may show up in an output item. */
const SECRETS = [HMAC.secret, HMAC.previousSecret, STANDARD.secret, INHAND.secret, INHAND.previousSecret, SCALEFUSION.secret, EDGESENSE.apiKey, EDGESENSE.secret, ONENCE.password, ONENCE.accessToken, ONENCE.secret, ONENCE.previousSecret];

function expectNothingSecret(output: INodeExecutionData[]) {
	const text = JSON.stringify(output.map((item) => item.json));
	for (const secret of SECRETS) expect(text).not.toContain(secret);
}

function sampleOf(vendor: VendorId): IDataObject {
	return Object.values(vendors[vendor].samples)[0] as IDataObject;
}

function verdict(vendor: VendorId, request: ReceivedRequest, secret: string, credentials: ICredentialDataDecryptedObject) {
	return verify({ vendor, rawBody: request.body, headers: request.headers, secrets: [secret], options: { scheme: credentialSchemeOptions(vendor, credentials) } });
}

describe('Signed Webhook: every scheme, checked by the receiver', () => {
	it('generic HMAC: the credential header, algorithm, encoding and prefix; signed with the current secret only', async () => {
		const r = await receive();
		const item = { alert: 'offline', device: { id: 'd1' }, n: 1.5 };
		const { output, credentialNames } = await run({ parameters: { scheme: 'generic-hmac', url: `${r.url}/hook` }, items: [item], credentials: ALL_CREDENTIALS });
		expect(credentialNames).toEqual(['genericHmacApi']);
		const request = r.requests[0]!;
		expect(r.requests).toHaveLength(1);
		expect(request.method).toBe('POST');
		expect(request.url).toBe('/hook');
		expect(request.headers['content-type']).toBe('application/json');
		expect(request.body.toString()).toBe(JSON.stringify(item)); // compact, as generic senders send
		expect(request.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', HMAC.secret).update(request.body).digest('hex')}`);
		expect(verdict('generic-hmac', request, HMAC.secret, HMAC).ok).toBe(true);
		expect(verdict('generic-hmac', request, HMAC.previousSecret, HMAC).ok).toBe(false);

		expect(output).toHaveLength(1);
		expect(output[0]!.pairedItem).toEqual({ item: 0 });
		const json = output[0]!.json;
		expect(json).toMatchObject({ delivered: true, outcome: 'delivered', url: `${r.url}/hook`, vendor: 'generic-hmac', statusCode: 200 });
		expect(json.error).toBeUndefined();
		const attempts = json.attempts as IDataObject[];
		expect(attempts).toHaveLength(1);
		expect(attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, verdict: 'delivered' });
		expect(attempts[0]!.requestId).toMatch(UUID);
		expect(request.headers['x-request-id']).toBe(attempts[0]!.requestId);
		expectNothingSecret(output);
	});

	it('generic HMAC over timestamp.body: SHA-512, base64, the timestamp in its own header', async () => {
		const r = await receive();
		const credentials = { ...HMAC, algorithm: 'sha512', encoding: 'base64', prefix: '', header: 'X-Signature', signedContent: 'timestamp.body', timestampHeader: 'X-Webhook-Timestamp' };
		await run({ parameters: { scheme: 'generic-hmac', url: r.url }, items: [{ a: 1 }], credentials: { genericHmacApi: credentials } });
		const request = r.requests[0]!;
		const timestamp = request.headers['x-webhook-timestamp'] as string;
		expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
		expect(request.headers['x-signature']).toBe(createHmac('sha512', credentials.secret).update(`${timestamp}.${request.body.toString()}`).digest('base64'));
		expect(verdict('generic-hmac', request, credentials.secret, credentials).ok).toBe(true);
	});

	it('Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature, accepted by the standardwebhooks library', async () => {
		const r = await receive();
		const { output, credentialNames } = await run({ parameters: { scheme: 'standard-webhooks', url: r.url }, items: [{ type: 'invoice.paid', id: 7 }], credentials: ALL_CREDENTIALS });
		expect(credentialNames).toEqual(['standardWebhooksApi']);
		const request = r.requests[0]!;
		expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/); // one signature: the current secret only
		expect(new Webhook(STANDARD.secret).verify(request.body.toString(), request.headers as Record<string, string>)).toEqual({ type: 'invoice.paid', id: 7 });
		expect(verdict('standard-webhooks', request, STANDARD.secret, STANDARD).ok).toBe(true);
		expect(output[0]!.json.delivered).toBe(true);
		expectNothingSecret(output);
	});

	it.each(['inhand-dm', 'incloud-manager'] as const)('%s: X-Signature over the Python json.dumps form, accepted by InHand\'s own verifier', async (scheme) => {
		const r = await receive();
		const sample = sampleOf(scheme);
		const { output, credentialNames } = await run({ parameters: { scheme, url: r.url }, items: [sample], credentials: ALL_CREDENTIALS });
		expect(credentialNames).toEqual(['inHandWebhookApi']);
		const request = r.requests[0]!;
		expect(request.body.toString()).toBe(pythonJsonDumps(JSON.stringify(sample)));
		expect(request.body.toString()).toContain('", "'); // Python's separators
		expect(verdict(scheme, request, INHAND.secret, INHAND).ok).toBe(true);
		expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature: request.headers['x-signature'] as string, secret: INHAND.secret }])).toEqual([true]);
		expect(output[0]!.json).toMatchObject({ delivered: true, vendor: scheme });
		expectNothingSecret(output);
	});

	it("Scalefusion: X-SF-Signature, accepted by Scalefusion's own check", async () => {
		const r = await receive();
		const { output, credentialNames } = await run({ parameters: { scheme: 'scalefusion', url: r.url }, items: [sampleOf('scalefusion')], credentials: ALL_CREDENTIALS });
		expect(credentialNames).toEqual(['scalefusionWebhookApi']);
		const request = r.requests[0]!;
		expect(request.headers['x-sf-signature']).toMatch(/^[0-9a-f]{64}$/);
		expect(verdict('scalefusion', request, SCALEFUSION.secret, SCALEFUSION).ok).toBe(true);
		expect(pythonVerdicts([{ scheme: 'scalefusion', body: request.body, signature: request.headers['x-sf-signature'] as string, secret: SCALEFUSION.secret }])).toEqual([true]);
		expect(output[0]!.json.delivered).toBe(true);
	});

	it('EdgeSense: X-EdgeSense-Signature and the body field "signature"; the API key is not sent', async () => {
		const r = await receive();
		const { output, credentialNames } = await run({ parameters: { scheme: 'edgesense', url: r.url }, items: [sampleOf('edgesense')], credentials: ALL_CREDENTIALS });
		expect(credentialNames).toEqual(['edgeSenseApi']);
		const request = r.requests[0]!;
		const signature = request.headers['x-edgesense-signature'] as string;
		expect(signature).toMatch(/^[0-9a-f]{64}$/);
		expect(JSON.parse(request.body.toString()).signature).toBe(signature);
		expect(request.headers['x-api-key']).toBeUndefined();
		expect(verdict('edgesense', request, EDGESENSE.secret, EDGESENSE).ok).toBe(true);
		expect(output[0]!.json.delivered).toBe(true);
		expectNothingSecret(output);
	});

	it("1NCE: the credential's static header, as the Cloud Integrator sends it; no API token or password", async () => {
		const r = await receive();
		const { output, credentialNames } = await run({ parameters: { scheme: '1nce', url: r.url }, items: [{ id: 'm1', type: 'TEST_MESSAGE' }], credentials: ALL_CREDENTIALS });
		expect(credentialNames).toEqual(['oneNceApi']);
		const request = r.requests[0]!;
		expect(request.headers['x-1nce-auth']).toBe(ONENCE.secret);
		expect(request.headers.authorization).toBeUndefined();
		expect(verdict('1nce', request, ONENCE.secret, ONENCE).ok).toBe(true);
		expect(verdict('1nce', request, ONENCE.previousSecret, ONENCE).ok).toBe(false);
		expect(output[0]!.json.delivered).toBe(true);
		expectNothingSecret(output);
	});
});

describe('Signed Webhook: URL, headers and body', () => {
	it('fills :iccid:, :imsi:, :ip: from the item, percent-encoded in the URL, plain in headers; missing → none', async () => {
		const r = await receive();
		const items = [{ device: { iccid: '8988 2/../x', imsi: '901405', ip: null } }, { iccid: '8944', ip: '10.0.0.7' }];
		const { output } = await run({
			parameters: {
				scheme: 'generic-hmac',
				url: `${r.url}/sim/:iccid:/imsi/:imsi:?ip=:ip:&keep=:unknown:`,
				headers: { header: [{ name: 'X-ICCID', value: 'iccid :iccid: ip :ip:' }] },
			},
			items,
			credentials: ALL_CREDENTIALS,
		});
		expect(r.requests.map((q) => q.url)).toEqual(['/sim/8988%202%2F..%2Fx/imsi/901405?ip=none&keep=:unknown:', '/sim/8944/imsi/none?ip=10.0.0.7&keep=:unknown:']);
		expect(r.requests.map((q) => q.headers['x-iccid'])).toEqual(['iccid 8988 2/../x ip none', 'iccid 8944 ip 10.0.0.7']);
		expect(output.map((item) => item.json.url)).toEqual(r.requests.map((q) => `${r.url}${q.url}`));
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const request of r.requests) expect(verdict('generic-hmac', request, HMAC.secret, HMAC).ok).toBe(true);
	});

	it('sends PUT and PATCH, a custom request ID header, and extra headers', async () => {
		const r = await receive();
		const { output } = await run({
			parameters: {
				scheme: 'generic-hmac',
				url: r.url,
				method: (i: number) => (i === 0 ? 'PUT' : 'PATCH'),
				headers: { header: [{ name: 'Authorization', value: 'Bearer receiver-token' }] },
				options: { requestIdHeader: 'X-Delivery-ID' },
			},
			items: [{ a: 1 }, { a: 2 }],
			credentials: ALL_CREDENTIALS,
		});
		expect(r.requests.map((q) => q.method)).toEqual(['PUT', 'PATCH']);
		expect(r.requests.map((q) => q.headers.authorization)).toEqual(['Bearer receiver-token', 'Bearer receiver-token']);
		expect(r.requests[0]!.headers['x-request-id']).toBeUndefined();
		expect(r.requests.map((q) => q.headers['x-delivery-id'])).toEqual(output.map((item) => (item.json.attempts as IDataObject[])[0]!.requestId));
	});

	it('JSON body: text is sent as written (signed over those bytes); an object the vendor way', async () => {
		const r = await receive();
		const text = '{"b": 2,  "a": [1.0, 1e5, 12345678901234567890]}';
		await run({ parameters: { scheme: 'generic-hmac', url: r.url, body: 'json', jsonBody: text }, credentials: ALL_CREDENTIALS });
		expect(r.requests[0]!.body.toString()).toBe(text);
		expect(verdict('generic-hmac', r.requests[0]!, HMAC.secret, HMAC).ok).toBe(true);

		await run({ parameters: { scheme: 'scalefusion', url: r.url, body: 'json', jsonBody: { event: 'device.locked', name: 'Café' } }, credentials: ALL_CREDENTIALS });
		expect(r.requests[1]!.body.toString()).toBe('{"event": "device.locked", "name": "Café"}');
		expect(verdict('scalefusion', r.requests[1]!, SCALEFUSION.secret, SCALEFUSION).ok).toBe(true);
	});

	it('raw text body: byte for byte', async () => {
		const r = await receive();
		await run({ parameters: { scheme: 'generic-hmac', url: r.url, body: 'text', textBody: 'plain\ntext ✓' }, credentials: ALL_CREDENTIALS });
		expect(r.requests[0]!.body.toString()).toBe('plain\ntext ✓');
		expect(r.requests[0]!.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', HMAC.secret).update('plain\ntext ✓').digest('hex')}`);
	});

	it('Standard Webhooks: the Message ID option becomes webhook-id', async () => {
		const r = await receive();
		await run({ parameters: { scheme: 'standard-webhooks', url: r.url, options: { messageId: 'evt_42' } }, items: [{ type: 'invoice.paid' }], credentials: ALL_CREDENTIALS });
		expect(r.requests[0]!.headers['webhook-id']).toBe('evt_42');
		expect(verdict('standard-webhooks', r.requests[0]!, STANDARD.secret, STANDARD).ok).toBe(true);
	});
});

describe('Signed Webhook: retries and failures', () => {
	const quickRetries = (retries: number) => ({ retryPolicy: 'custom', customRetries: retries, customDelaySeconds: 0.05, customBackoff: false });

	it('retries a 503, then delivers; the log shows both attempts, both signed', async () => {
		const r = await receive((n) => (n === 0 ? { status: 503, body: 'busy, try later' } : { status: 200, body: 'ok' }));
		const { output } = await run({ parameters: { scheme: 'standard-webhooks', url: r.url, ...quickRetries(3) }, items: [{ type: 'invoice.paid' }], credentials: ALL_CREDENTIALS });
		expect(r.requests).toHaveLength(2);
		const json = output[0]!.json;
		expect(json).toMatchObject({ delivered: true, outcome: 'delivered', statusCode: 200 });
		const attempts = json.attempts as IDataObject[];
		expect(attempts).toHaveLength(2);
		expect(attempts[0]).toMatchObject({ attempt: 1, statusCode: 503, errorClass: 'http', verdict: 'retry', nextRetryInMs: 50, responseSnippet: 'busy, try later' });
		expect(attempts[1]).toMatchObject({ attempt: 2, statusCode: 200, verdict: 'delivered', responseSnippet: 'ok' });
		expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(40);
		// One message id across retries (receivers de-duplicate on it), a new request id per attempt.
		expect(r.requests[0]!.headers['webhook-id']).toBe(r.requests[1]!.headers['webhook-id']);
		expect(r.requests[0]!.headers['x-request-id']).not.toBe(r.requests[1]!.headers['x-request-id']);
		for (const request of r.requests) expect(verdict('standard-webhooks', request, STANDARD.secret, STANDARD).ok).toBe(true);
	});

	it('410 Gone stops at once, whatever retries are left', async () => {
		const r = await receive(() => ({ status: 410, body: 'gone' }));
		const { output } = await run({ parameters: { scheme: 'generic-hmac', url: r.url, ...quickRetries(3) }, credentials: ALL_CREDENTIALS, continueOnFail: true });
		expect(r.requests).toHaveLength(1);
		expect(output[0]!.json).toMatchObject({ delivered: false, outcome: 'gone', statusCode: 410 });
		expect((output[0]!.json.attempts as IDataObject[])[0]).toMatchObject({ verdict: 'gone' });
		await expect(run({ parameters: { scheme: 'generic-hmac', url: r.url, ...quickRetries(3) }, credentials: ALL_CREDENTIALS })).rejects.toMatchObject({ httpCode: '410' });
		expect(r.requests).toHaveLength(2);
	});

	it('without continueOnFail a failed delivery throws a NodeApiError whose description is the attempt log', async () => {
		const r = await receive(() => ({ status: 500, body: 'boom: database down' }));
		const error = await run({ parameters: { scheme: 'generic-hmac', url: r.url, ...quickRetries(1) }, items: [{ a: 1 }], credentials: ALL_CREDENTIALS }).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(NodeApiError);
		const apiError = error as NodeApiError;
		expect(apiError.message).toBe('The receiver answered HTTP 500 after 2 attempts.');
		expect(apiError.httpCode).toBe('500');
		expect(apiError.context.itemIndex).toBe(0);
		expect(apiError.description).toContain('failed — 2 attempt(s)');
		expect(apiError.description).toMatch(/Attempt 1 at .*: HTTP 500, retried after 50 ms — response: boom: database down/);
		expect(apiError.description).toMatch(/Attempt 2 at .*: HTTP 500, gave up/);
		expect(r.requests).toHaveLength(2);
	});

	it('with continueOnFail: the failed item carries the log and an error n8n routes to the error output; the others go on', async () => {
		const r = await receive((_n, request) => (request.body.toString().includes('"fail":true') ? { status: 500 } : { status: 200 }));
		const { output } = await run({
			parameters: { scheme: 'generic-hmac', url: r.url, retryPolicy: 'none' },
			items: [{ n: 0 }, { n: 1, fail: true }, { n: 2 }],
			credentials: ALL_CREDENTIALS,
			continueOnFail: true,
		});
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output.map((item) => item.json.delivered)).toEqual([true, false, true]);
		const failed = output[1]!;
		expect(failed.json).toMatchObject({ outcome: 'failed', statusCode: 500, error: 'The receiver answered HTTP 500 after 1 attempt.' });
		expect(failed.json.attempts).toHaveLength(1);
		expect(failed.error).toBeInstanceOf(NodeApiError);
		expect(output.map(routesToErrorOutput)).toEqual([false, true, false]);
		expectNothingSecret(output);
	});

	it("the scheme's own retry policy: InHand does not retry a refused connection", async () => {
		const port = await closedPort();
		const { output } = await run({ parameters: { scheme: 'inhand-dm', url: `http://127.0.0.1:${port}/x`, retryPolicy: 'vendor' }, items: [sampleOf('inhand-dm')], credentials: ALL_CREDENTIALS, continueOnFail: true });
		const attempts = output[0]!.json.attempts as IDataObject[];
		expect(attempts).toHaveLength(1);
		expect(attempts[0]).toMatchObject({ errorClass: 'refused', verdict: 'fail' });
		expect(String(attempts[0]!.error)).toContain('ECONNREFUSED');
		expect(output[0]!.json.outcome).toBe('failed');
		expect(routesToErrorOutput(output[0]!)).toBe(true);
	});

	it("Scalefusion's own policy (no retries): one attempt on a 503", async () => {
		const r = await receive(() => ({ status: 503 }));
		const { output } = await run({ parameters: { scheme: 'scalefusion', url: r.url, retryPolicy: 'vendor' }, credentials: ALL_CREDENTIALS, continueOnFail: true });
		expect(r.requests).toHaveLength(1);
		expect(output[0]!.json).toMatchObject({ outcome: 'failed', statusCode: 503 });
	});

	it('a receiver that does not answer in time: a timeout, classified from the axios error', async () => {
		const r = await receive(() => ({ hang: true }));
		const started = Date.now();
		const { output } = await run({ parameters: { scheme: 'generic-hmac', url: r.url, retryPolicy: 'none', options: { timeout: 300 } }, credentials: ALL_CREDENTIALS, continueOnFail: true });
		expect(Date.now() - started).toBeLessThan(5000);
		expect((output[0]!.json.attempts as IDataObject[])[0]).toMatchObject({ errorClass: 'timeout', verdict: 'fail' });
	});

	it('redirects are not followed', async () => {
		const r = await receive(() => ({ status: 302, headers: { location: '/elsewhere' } }));
		const { output } = await run({ parameters: { scheme: 'generic-hmac', url: r.url, ...quickRetries(2) }, credentials: ALL_CREDENTIALS, continueOnFail: true });
		expect(r.requests.map((q) => q.url)).toEqual(['/']);
		expect((output[0]!.json.attempts as IDataObject[])[0]).toMatchObject({ statusCode: 302, errorClass: 'redirect', verdict: 'fail' });
	});

	it('cancelling the execution ends the wait between retries at once', async () => {
		const controller = new AbortController();
		const r = await receive(() => {
			setTimeout(() => controller.abort(), 50);
			return { status: 503 };
		});
		const started = Date.now();
		const { output } = await run({
			parameters: { scheme: 'generic-hmac', url: r.url, retryPolicy: 'custom', customRetries: 3, customDelaySeconds: 30 },
			credentials: ALL_CREDENTIALS,
			continueOnFail: true,
			signal: controller.signal,
		});
		expect(Date.now() - started).toBeLessThan(5000);
		expect(r.requests).toHaveLength(1);
		expect(output[0]!.json.outcome).toBe('aborted');
	});
});

describe('Signed Webhook: settings that cannot work fail before anything is sent', () => {
	async function configError(parameters: Record<string, Parameter>, credentials: Record<string, ICredentialDataDecryptedObject> = ALL_CREDENTIALS) {
		const error = await run({ parameters, credentials }).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
		return (error as NodeOperationError).message;
	}

	it('CR or LF in a header value', async () => {
		const r = await receive();
		expect(await configError({ scheme: 'generic-hmac', url: r.url, headers: { header: [{ name: 'X-Note', value: 'a\r\nInjected: yes' }] } })).toMatch(/may not contain CR, LF or NUL/);
		expect(r.requests).toHaveLength(0);
	});

	it('a header that would override the signature, the content type or the request id', async () => {
		const r = await receive();
		expect(await configError({ scheme: 'generic-hmac', url: r.url, headers: { header: [{ name: 'x-hub-signature-256', value: 'forged' }] } })).toMatch(/cannot be overridden/);
		expect(await configError({ scheme: 'standard-webhooks', url: r.url, headers: { header: [{ name: 'Webhook-Signature', value: 'v1,x' }] } })).toMatch(/cannot be overridden/);
		expect(await configError({ scheme: '1nce', url: r.url, headers: { header: [{ name: 'X-1NCE-Auth', value: 'x' }] } })).toMatch(/cannot be overridden/);
		expect(await configError({ scheme: 'generic-hmac', url: r.url, headers: { header: [{ name: 'Content-Type', value: 'text/plain' }] } })).toMatch(/cannot be overridden/);
		expect(await configError({ scheme: 'generic-hmac', url: r.url, headers: { header: [{ name: 'Bad Name', value: 'x' }] } })).toMatch(/not a valid header name/);
		expect(await configError({ scheme: 'generic-hmac', url: r.url, headers: { header: [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }] } })).toMatch(/listed twice/);
		expect(r.requests).toHaveLength(0);
	});

	it('a URL that is not http(s), a bad timeout, an empty secret, invalid JSON, a body EdgeSense cannot sign', async () => {
		const r = await receive();
		expect(await configError({ scheme: 'generic-hmac', url: 'not a url' })).toMatch(/not a valid URL/);
		expect(await configError({ scheme: 'generic-hmac', url: 'ftp://example.com/x' })).toMatch(/Only http and https/);
		expect(await configError({ scheme: 'generic-hmac', url: r.url, options: { timeout: 0 } })).toMatch(/timeout/);
		expect(await configError({ scheme: 'scalefusion', url: r.url }, { scalefusionWebhookApi: { secret: '', previousSecret: 'only-old' } })).toMatch(/no secret/);
		expect(await configError({ scheme: 'generic-hmac', url: r.url, body: 'json', jsonBody: '{"a": ' })).toMatch(/not valid JSON/);
		expect(await configError({ scheme: 'edgesense', url: r.url, body: 'text', textBody: 'not an object' })).toMatch(/EdgeSense/);
		expect(r.requests).toHaveLength(0);
	});

	it('under continueOnFail a config error becomes an error item for that item only', async () => {
		const r = await receive();
		const { output } = await run({
			parameters: { scheme: 'generic-hmac', url: (i: number) => (i === 0 ? 'not a url' : r.url) },
			items: [{ a: 0 }, { a: 1 }],
			credentials: ALL_CREDENTIALS,
			continueOnFail: true,
		});
		expect(output[0]!.json).toEqual({ error: expect.stringMatching(/not a valid URL/) });
		expect(output[0]!.error).toBeInstanceOf(NodeOperationError);
		expect(output[0]!.pairedItem).toEqual({ item: 0 });
		expect(output.map(routesToErrorOutput)).toEqual([true, false]);
		expect(output[1]!.json.delivered).toBe(true);
		expect(r.requests).toHaveLength(1);
	});
});

describe('Signed Webhook: description', () => {
	const schemes = (properties.find((p) => p.name === 'scheme')!.options as Array<{ value: string }>).map((o) => o.value);

	it('offers every vendor scheme, each with exactly one credential; the secret-only ones tested offline', () => {
		expect([...schemes].sort()).toEqual(Object.keys(vendors).sort());
		for (const scheme of schemes) {
			const matching = node.description.credentials!.filter((c) => NodeHelpers.displayParameter({ scheme }, c, null));
			expect(matching, scheme).toHaveLength(1);
		}
		const tested = node.description.credentials!.filter((c) => c.testedBy === 'checkSigningSecret').map((c) => c.name);
		expect(tested.sort()).toEqual(['genericHmacApi', 'inHandWebhookApi', 'scalefusionWebhookApi', 'standardWebhooksApi']);
		expect(typeof node.methods.credentialTest.checkSigningSecret).toBe('function');
	});

	it("offers every retry preset of the core, the scheme's own, and a custom one; a bounded one by default", () => {
		const retry = properties.find((p) => p.name === 'retryPolicy')!;
		const values = (retry.options as Array<{ value: string }>).map((o) => o.value);
		expect(values.sort()).toEqual([...Object.keys(retryPolicies), 'vendor', 'custom'].sort());
		expect(retry.default).toBe('default');
		expect(properties.find((p) => p.name === 'scheme')!.default).toBe('generic-hmac');
		expect(properties.find((p) => p.name === 'body')!.default).toBe('item');
	});

	it('is an action node n8n can load: usable as a tool, codex beside it, registered in package.json', () => {
		expect(node.description.usableAsTool).toBe(true);
		expect(node.description.inputs).toEqual(['main']);
		const codex = JSON.parse(readFileSync(path.join(root, 'nodes/SignedWebhook/SignedWebhook.node.json'), 'utf8'));
		expect(codex.node).toBe(`n8n-nodes-devicehook.${node.description.name}`);
		expect(codex.categories).toEqual(['Development', 'Communication']);
		const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
		expect(pkg.n8n.nodes).toContain('dist/nodes/SignedWebhook/SignedWebhook.node.js');
	});
});

describe('n8n transport and sleep', () => {
	it('hands httpRequest the exact bytes and the options that keep every status and redirect for the engine', async () => {
		const httpRequest = vi.fn(async () => ({
			statusCode: 429,
			headers: { toJSON: () => ({ 'Retry-After': '3', 'Set-Cookie': ['a=1', 'b=2'] }) },
			body: new TextEncoder().encode('slow down').buffer,
		}));
		const transport = createN8nTransport({ httpRequest } as never);
		const body = Buffer.from('{"a": 1}');
		const signal = new AbortController().signal;
		const response = await transport({ url: 'http://x.invalid/', method: 'PATCH', headers: { 'X-A': '1' }, body, timeoutMs: 1234, signal });
		expect(httpRequest).toHaveBeenCalledWith({
			method: 'PATCH',
			url: 'http://x.invalid/',
			headers: { 'X-A': '1' },
			body,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			json: false,
			encoding: 'arraybuffer',
			timeout: 1234,
			abortSignal: signal,
		});
		expect((httpRequest.mock.calls[0] as unknown[])[0]).toHaveProperty('body', body);
		expect(response).toEqual({ statusCode: 429, headers: { 'retry-after': '3', 'set-cookie': ['a=1', 'b=2'] }, body: Buffer.from('slow down') });
	});

	it('accepts string, object and missing bodies', async () => {
		for (const [given, expected] of [
			['text', 'text'],
			[{ ok: true }, '{"ok":true}'],
			[undefined, ''],
		] as const) {
			const transport = createN8nTransport({ httpRequest: async () => ({ statusCode: 200, headers: {}, body: given }) } as never);
			const response = await transport({ url: 'http://x.invalid/', method: 'POST', headers: {}, body: Buffer.alloc(0), timeoutMs: 1 });
			expect(response.body.toString()).toBe(expected);
		}
	});

	it('sleep waits with n8n-workflow sleep, and an abort ends the wait at once', async () => {
		const waits: number[] = [];
		let finish: () => void = () => {};
		const fakeSleep = (ms: number) => {
			waits.push(ms);
			return new Promise<void>((resolve) => {
				finish = resolve;
			});
		};
		const sleep = createN8nSleep(fakeSleep);
		const controller = new AbortController();
		const waiting = sleep(10_000, controller.signal);
		controller.abort();
		await waiting;
		expect(waits).toEqual([10_000]);
		finish();
		await sleep(5, controller.signal); // already aborted: no wait at all
		expect(waits).toEqual([10_000]);
		const real = createN8nSleep();
		const started = Date.now();
		await real(30);
		expect(Date.now() - started).toBeGreaterThanOrEqual(25);
	});
});

// n8n's own SSRF rules (SsrfProtectionService, what helpers.getSecureEgressFilter() returns in n8n 2.41+)
// with its default blocked ranges; only DNS is scripted, so a public-looking name can resolve anywhere.
const { SsrfProtectionService } = createRequire(path.join(root, 'package.json'))('@n8n/backend-network') as {
	SsrfProtectionService: new (
		config: { blockedIpRanges: string[]; allowedIpRanges: string[]; allowedHostnames: string[]; blockedHostnames: string[] },
		dns: { lookup(hostname: string, options?: unknown): Promise<Array<{ address: string; family: number }>> },
		logger: unknown,
	) => { validateUrl(url: string): Promise<{ ok: boolean; error?: Error }> };
};
const N8N_DEFAULT_BLOCKED = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', '169.254.0.0/16', 'fe80::/10', 'fc00::/7', 'fd00::/8', '0.0.0.0/8'];
function n8nEgressFilter(resolve: (hostname: string) => string) {
	const scopedLogger = { ...logger, scoped: () => scopedLogger };
	const service = new SsrfProtectionService(
		{ blockedIpRanges: N8N_DEFAULT_BLOCKED, allowedIpRanges: [], allowedHostnames: [], blockedHostnames: [] },
		{ lookup: async (hostname) => [{ address: resolve(hostname), family: resolve(hostname).includes(':') ? 6 : 4 }] },
		scopedLogger,
	);
	const policies: unknown[] = [];
	return { policies, getSecureEgressFilter: (policy?: unknown) => (policies.push(policy), service) };
}

describe('Signed Webhook: private network targets (SSRF)', () => {
	const hmac = (url: string, extra: Record<string, unknown> = {}) => ({ scheme: 'generic-hmac', url, retryPolicy: 'default', ...extra });

	it('new nodes (1.1) refuse literal private, loopback, metadata and localhost targets: nothing sent, one attempt, not retried', async () => {
		const r = await receive();
		for (const host of ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]', '169.254.169.254', '10.0.0.5', '0.0.0.0', 'app.localhost']) {
			const url = `http://${host}:${r.port}/hook`;
			const { output, httpRequest } = await run({ parameters: hmac(url), credentials: ALL_CREDENTIALS, continueOnFail: true, typeVersion: 1.1 });
			expect(httpRequest, host).not.toHaveBeenCalled();
			const json = output[0]!.json as { delivered: boolean; attempts: Array<{ errorClass: string; verdict: string }>; error: string };
			expect(json.delivered, host).toBe(false);
			expect(json.attempts, host).toHaveLength(1);
			expect(json.attempts[0], host).toMatchObject({ errorClass: 'blocked', verdict: 'fail' });
			expect(json.error, host).toMatch(/Refused to send.*Allow Private Network Targets/);
		}
		expect(r.requests).toHaveLength(0);
	});

	it('without continueOnFail the refusal is a NodeApiError that names the option', async () => {
		const r = await receive();
		await expect(run({ parameters: hmac(`${r.url}/hook`), credentials: ALL_CREDENTIALS, typeVersion: 1.1 })).rejects.toThrow(/Refused to send to http:\/\/127\.0\.0\.1/);
		expect(r.requests).toHaveLength(0);
	});

	it('"Allow Private Network Targets" on: the same target is delivered', async () => {
		const r = await receive();
		const { output } = await run({ parameters: hmac(`${r.url}/hook`, { allowPrivateNetworkTargets: true }), credentials: ALL_CREDENTIALS, typeVersion: 1.1 });
		expect(output[0]!.json).toMatchObject({ delivered: true });
		expect(r.requests).toHaveLength(1);
	});

	it('version 1 nodes (saved before the option existed) keep sending to private targets', async () => {
		const r = await receive();
		const { output } = await run({ parameters: hmac(`${r.url}/hook`), credentials: ALL_CREDENTIALS, typeVersion: 1 });
		expect(output[0]!.json).toMatchObject({ delivered: true });
		// The defaults n8n fills in for a node of each version (the property is declared once per version).
		expect([1, 1.1].map((version) => parametersWithDefaults(node, {}, version)['allowPrivateNetworkTargets'])).toEqual([true, false]);
		expect(node.description.defaultVersion).toBe(1.1);
	});

	it('n8n 2.41+: a host name that resolves to a private address is refused by n8n\'s egress filter, asked with the enforced policy', async () => {
		const r = await receive();
		const egress = n8nEgressFilter(() => '10.1.2.3');
		const { output, httpRequest } = await run({
			parameters: hmac(`http://hooks.example.com:${r.port}/hook`),
			credentials: ALL_CREDENTIALS,
			continueOnFail: true,
			typeVersion: 1.1,
			helpers: egress,
		});
		expect(egress.policies).toEqual(['enforced']);
		expect(httpRequest).not.toHaveBeenCalled();
		expect(output[0]!.json).toMatchObject({ delivered: false, attempts: [{ errorClass: 'blocked', verdict: 'fail' }] });
		expect((output[0]!.json as { error: string }).error).toMatch(/hooks\.example\.com resolves to a blocked address/);
	});

	it('n8n 2.41+: a host name that resolves to a public address is sent (the filter passes it)', async () => {
		const r = await receive();
		// Resolves "publicly" for the filter; the request itself goes to the local receiver by its IP.
		const egress = n8nEgressFilter(() => '93.184.216.34');
		const filter = egress.getSecureEgressFilter();
		expect((await filter.validateUrl('http://hooks.example.com/')).ok).toBe(true);
		const { output } = await run({ parameters: hmac(`${r.url}/hook`, { allowPrivateNetworkTargets: true }), credentials: ALL_CREDENTIALS, typeVersion: 1.1, helpers: egress });
		expect(output[0]!.json).toMatchObject({ delivered: true });
	});

	it('the node says what the guard leaves open', () => {
		const notice = properties.find((p) => p.name === 'privateTargetsNotice');
		expect(notice?.type).toBe('notice');
		expect(notice?.displayName).toMatch(/DNS rebinding/);
		expect(notice?.displayName).toMatch(/N8N_SSRF_PROTECTION_ENABLED=true/);
	});
});

describe('Signed Webhook: URL userinfo is never shown', () => {
	it('the output, the error and the attempt log show ***@ instead of user:password', async () => {
		const r = await receive(() => ({ status: 500 }));
		const url = r.url.replace('http://', 'http://hook-user:url-pa55word@');
		const { output } = await run({ parameters: { scheme: 'generic-hmac', url: `${url}/hook`, retryPolicy: 'none' }, credentials: ALL_CREDENTIALS, continueOnFail: true });
		expect(r.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:url-pa55word').toString('base64')}`);
		const item = output[0]!;
		expect(item.json).toMatchObject({ delivered: false, url: `${r.url.replace('http://', 'http://***@')}/hook` });
		const shown = JSON.stringify({ json: item.json, message: item.error?.message, description: item.error?.description, context: (item.error as { context?: unknown })?.context });
		expect(shown).not.toContain('url-pa55word');
		expect(shown).not.toContain('hook-user');
		await expect(run({ parameters: { scheme: 'generic-hmac', url: `${url}/hook`, retryPolicy: 'none' }, credentials: ALL_CREDENTIALS })).rejects.toSatisfy(
			(error: NodeApiError) => !JSON.stringify({ m: error.message, d: error.description }).includes('url-pa55word'),
		);
	});

	it('a URL that cannot be parsed is quoted without its userinfo', async () => {
		await expect(
			run({ parameters: { scheme: 'generic-hmac', url: 'http://hook-user:url-pa55word@exa mple.com/x' }, credentials: ALL_CREDENTIALS }),
		).rejects.toSatisfy((error: NodeOperationError) => error.message.includes('http://***@exa mple.com/x') && !error.message.includes('url-pa55word'));
	});
});
