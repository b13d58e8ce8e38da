/**
 * What every DeviceHook trigger shares: its parameters, its outputs (one per chosen event type plus
 * "Other", as n8n's Switch does) and its webhook handler, glue around the core's host kit (`createReceiver`),
 * which decides every answer.
 *
 * The handler depends on nothing in the process: secrets come from the credential, the replay list from
 * the workflow's static data, so any n8n process (queue mode's webhook processors too) can answer. (Each
 * process also remembers the ids it accepted, which only adds duplicates of copies sent right after or at once.)
 */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import {
	cleanTypes,
	createReceiver,
	DEFAULT_TOLERANCE_SECONDS,
	clockWindowOf,
	createWarnLimiter,
	describeDecision,
	getVendor,
	hostReplayStore,
	refusalLine,
	type Decision,
	type ReplayStore,
	type SchemeOptions,
	type VendorId,
} from './core';

/**
 * The one webhook of every trigger. A refusal or duplicate is written by the node itself (its status
 * varies), and so is the answer to a request whose id went into the replay list; other answers are sent by
 * n8n with the node's `webhookResponse`, which `responseData: ''` selects (n8n's onReceived answer: a
 * non-empty responseData would be sent instead, 'noData' sends nothing).
 */
/*
 * The triggers are versions 1 and 1.1 (new nodes: 1.1). 1.1 changes nothing the node does: n8n treats
 * a version-1 webhook node differently only in that it evaluates an expression of its own
 * (`$parameter["options"]["binaryData"]`, in `parseRequestBody`) on every request, which in n8n 2.x's
 * default expression engine costs an expression isolate; from 1.1 on n8n skips it, and leaves bodies of
 * types it cannot parse unparsed, which the trigger reads raw anyway. Workflows saved with version 1
 * keep working as before.
 */
export const triggerWebhooks: IWebhookDescription[] = [
	{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'webhook' },
];

/**
 * Source of the function n8n evaluates (in the editor and the backend) to draw the trigger's outputs.
 * It is embedded as text, so it must be self-contained; it mirrors `routedTypes` + the core's
 * `outputIndexForType` below, which the unit tests check against each other.
 */
const OUTPUTS_FUNCTION = `function (parameter, catalogue) {
	if (!parameter.routeByType) return [{ type: 'main' }];
	var chosen = parameter.eventTypes;
	if (!Array.isArray(chosen)) chosen = String(chosen || '').split(',').map(function (t) { return t.trim(); }).filter(Boolean);
	if (chosen.length === 0) chosen = catalogue.map(function (entry) { return entry[0]; });
	var outputs = chosen.map(function (type) {
		var entry = catalogue.find(function (e) { return e[0] === type; });
		return { type: 'main', displayName: entry ? entry[1] : type };
	});
	outputs.push({ type: 'main', displayName: 'Other' });
	return outputs;
}`;

/** The trigger's `outputs`: an expression over its parameters, with the vendor's catalogue inlined. */
export function outputsExpression(vendor: VendorId): `={{${string}}}` {
	const catalogue = (getVendor(vendor)?.eventTypes ?? []).map((entry) => [entry.value, entry.label]);
	const source = `(${OUTPUTS_FUNCTION.replace(/\s+/g, ' ')})($parameter, ${JSON.stringify(catalogue)})`;
	return `={{${source}}}`;
}

/** The event types the outputs are drawn for: the chosen ones, or the whole catalogue when none are. */
export function routedTypes(vendor: VendorId, chosen: readonly string[]): string[] {
	return chosen.length > 0 ? [...chosen] : (getVendor(vendor)?.eventTypes ?? []).map((entry) => entry.value);
}

/** Reads the Event Types parameter: a list from the catalogue, or comma-separated text for open vendors (the core cleans it). */
export function chosenTypes(value: unknown): string[] {
	return cleanTypes(value);
}

/** How each vendor's message ID is named where it is not "message ID" (the field the duplicate check reads). */
const MESSAGE_ID_NAMES: Partial<Record<VendorId, string>> = {
	'inhand-dm': '_id',
	'incloud-manager': '_id',
	'standard-webhooks': 'webhook-id header',
};

export interface TriggerPropertiesInput {
	vendor: VendorId;
	/** "Alert" for InHand, "Event" elsewhere: the vendor's own word. */
	noun: 'Alert' | 'Event';
	/** Properties that come first (e.g. EdgeSense's and 1NCE's registration settings). */
	leading?: INodeProperties[];
	/** Properties added to the Options collection (e.g. generic HMAC's type field). */
	extraOptions?: INodeProperties[];
}

/** The parameters of a vendor trigger, built from the vendor's catalogue. */
export function triggerProperties(input: TriggerPropertiesInput): INodeProperties[] {
	const profile = getVendor(input.vendor);
	const catalogue = profile?.eventTypes ?? [];
	const noun = input.noun;
	const duplicates = profile?.duplicates;
	const horizonHours = Math.round(((duplicates?.horizonSeconds ?? 3600) / 3600) * 10) / 10;
	const retryMs = (profile?.retryPolicy.retryDelaysMs ?? []).reduce((sum, delay) => sum + delay, 0);
	const retrySpan = retryMs === 0 ? 'no retries' : retryMs >= 3_600_000 ? `about ${Math.round(retryMs / 360_000) / 10} h` : `about ${Math.ceil(retryMs / 60_000)} min`;
	// What happens to a type not chosen (test/n8n/editor-texts.test.ts checks this against the handler).
	const unchosen = `Types not chosen: with "One Output per ${noun} Type" on, they start the workflow on its "Other" output; with it off, they are answered 200 and start nothing`;
	const clock = clockWindowOf(input.vendor);
	const idName = MESSAGE_ID_NAMES[input.vendor] ?? 'message ID';
	const typesProperty: INodeProperties =
		catalogue.length > 0
			? {
					displayName: `${noun} Types`,
					name: 'eventTypes',
					type: 'multiOptions',
					options: catalogue.map((entry) => ({ name: entry.label, value: entry.value, description: entry.description })),
					default: [],
					description: `The ${noun.toLowerCase()} types to start the workflow for; none chosen means all, including types the vendor adds later. ${unchosen}.`,
				}
			: {
					displayName: `${noun} Types`,
					name: 'eventTypes',
					type: 'string',
					default: '',
					placeholder: 'invoice.paid, invoice.failed',
					description: `Comma-separated ${noun.toLowerCase()} types to start the workflow for; empty means all. ${unchosen}.`,
				};
	return [
		...(input.leading ?? []),
		typesProperty,
		{
			displayName: `One Output per ${noun} Type`,
			name: 'routeByType',
			type: 'boolean',
			default: false,
			description: `Whether to give the node one output per chosen ${noun.toLowerCase()} type (per catalogued type when none are chosen) plus "Other", so you can branch on the type without a Switch. With this on, types you did not choose leave by "Other".`,
		},
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			options: [
				{
					name: 'Normalized Event',
					value: 'event',
					description: 'The same fields for every vendor: type, device, time, message, and the vendor body under "raw"',
				},
				{
					name: 'Raw Body',
					value: 'body',
					description: `The body ${profile?.label ?? 'the sender'} sent, parsed as n8n parses every item: integers past 2^53 lose digits, 1.0 becomes 1 and integer-like keys move first. For the exact text, add the option Include Body Text.`,
				},
			],
			default: 'event',
		},
		{
			displayName: 'Accept Unauthenticated Requests',
			name: 'allowUnauthenticated',
			type: 'boolean',
			default: false,
			description:
				'Whether to start the workflow for every request, unchecked, while the credential has no secret. Off: without a secret every request is refused (503) with a message saying what to set.',
		},
		{
			displayName:
				'Anyone who knows this webhook URL can start the workflow with any request while the credential has no secret. Use this only while setting up, or behind a network that only the vendor can reach; enter the secret as soon as you have it.',
			name: 'unauthenticatedWarning',
			type: 'notice',
			default: '',
			displayOptions: { show: { allowUnauthenticated: [true] } },
		},
		{
			displayName: 'Allow Unsigned Requests',
			name: 'allowUnsigned',
			type: 'boolean',
			default: false,
			description: 'Whether to start the workflow for requests that carry no signature at all. Requests that do carry one are still checked.',
		},
		{
			displayName:
				'Anyone who knows this webhook URL can now start the workflow with requests that carry no signature. Turn this on only while setting up, or behind a network that only the vendor can reach.',
			name: 'unsignedWarning',
			type: 'notice',
			default: '',
			displayOptions: { show: { allowUnsigned: [true] } },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				// Only where the vendor publishes the addresses its webhooks come from (1NCE does).
				...(profile?.sourceAddresses?.length
					? [
							{
								displayName: "Allow the Vendor's Published Addresses",
								name: 'vendorSources',
								type: 'boolean',
								default: true,
								description: `Whether to take requests from the addresses ${profile.label} publishes for its webhooks (${profile.sourceAddresses.join(', ')}), besides any Allowed Sources. Requests from anywhere else are refused with 403 "source_not_allowed".`,
							} satisfies INodeProperties,
						]
					: []),
				{
					displayName: 'Allowed Sources',
					name: 'allowedSources',
					type: 'string',
					default: '',
					placeholder: 'e.g. 52.29.71.11, 10.0.0.0/8, 2001:db8::/32',
					description:
						'Comma-separated IP addresses or CIDR ranges (IPv4 or IPv6) that may send; empty means any. Requests from other addresses are refused with 403 "source_not_allowed" before their body is checked. The address is the one n8n reports for the request: behind a reverse proxy that is the proxy\'s, unless N8N_PROXY_HOPS tells n8n how many proxies to trust for X-Forwarded-For.',
				},
				{
					displayName: 'Detect Duplicate Messages',
					name: 'refuseReplays',
					type: 'boolean',
					default: false,
					description: `Whether to answer ${noun === 'Alert' ? 'an alert' : 'an event'} whose ${idName} was received before with 200 "duplicate" and start nothing, so the sender stops retrying (IDs are kept in the workflow, as hashes, not in one n8n process). With this on, ${noun === 'Alert' ? 'an alert' : 'an event'} without ${idName === 'message ID' ? 'a message ID' : idName.startsWith('_') ? `an ${idName}` : `a ${idName}`} cannot be checked and is refused with 401 "message_id_missing"${duplicates?.onByDefault ? '. Standard Webhooks triggers do this unless the option is added and off: the spec asks for it' : ''}.`,
				},
				{
					displayName: 'Duplicate Window (Hours)',
					name: 'duplicateHorizonHours',
					type: 'number',
					typeOptions: { minValue: 0, numberPrecision: 1 },
					default: 0,
					description: `How long message IDs are remembered for duplicate detection; 0 means ${horizonHours} h, enough for ${profile?.label ?? 'the sender'}, which retries for ${retrySpan}`,
				},
				{
					displayName: 'Include Body Text',
					name: 'includeBodyText',
					type: 'boolean',
					default: false,
					description:
						'Whether to add the body exactly as received, as text, under "bodyText". To forward the alert unchanged, use bodyText (in an expression) as the Signed Webhook\'s Raw Text body: the parsed item would change big integers, 1.0 and key order.',
				},
				{
					displayName: 'Include Headers',
					name: 'includeHeaders',
					type: 'boolean',
					default: false,
					description:
						'Whether to add the request headers to the output, under "headers". Headers that carry a secret (the signature or authentication header, Authorization, Proxy-Authorization, Cookie) are left out.',
				},
				{
					displayName: 'Maximum Body Size (KiB)',
					name: 'maxBodyKiB',
					type: 'number',
					typeOptions: { minValue: 1 },
					default: 1024, // DEFAULT_MAX_BYTES, which applies when the option is not added (test/n8n/triggers.test.ts checks they agree)
					description: 'Larger requests are refused with 413 before they are hashed or parsed',
				},
				{
					displayName: 'Strict Schema',
					name: 'strictSchema',
					type: 'boolean',
					default: false,
					description: 'Whether to refuse bodies with fields the vendor schema does not know (vendors add fields, so this is off by default)',
				},
				// Only where the vendor's scheme signs a timestamp (the core finds out from the scheme itself).
				...(clock === 'never'
					? []
					: [
							{
								displayName: 'Timestamp Tolerance (Seconds)',
								name: 'toleranceSeconds',
								type: 'number',
								typeOptions: { minValue: 1 },
								default: DEFAULT_TOLERANCE_SECONDS,
								description:
									clock === 'always'
										? 'How far the signed timestamp may be from now, either way'
										: 'When the credential signs timestamp.body: how far the signed timestamp may be from now, either way',
							} satisfies INodeProperties,
						]),
				...(input.extraOptions ?? []),
			],
		},
	];
}

interface TriggerOptions {
	allowedSources?: string;
	vendorSources?: boolean;
	includeHeaders?: boolean;
	includeBodyText?: boolean;
	maxBodyKiB?: number;
	refuseReplays?: boolean;
	duplicateHorizonHours?: number;
	strictSchema?: boolean;
	toleranceSeconds?: number;
	typeField?: string;
	typeHeader?: string;
}

/** The secrets of a credential: the current one first, then the previous one during a rotation. */
export function credentialSecrets(credentials: ICredentialDataDecryptedObject): string[] {
	return [credentials.secret, credentials.previousSecret].map((value) => (typeof value === 'string' ? value : '')).filter(Boolean);
}

/**
 * Scheme settings kept in a credential: generic HMAC's signature layout, 1NCE's header name — whichever
 * the vendor's scheme reads (its `settings`, decided in the core), never chosen by vendor name here.
 */
export function credentialSchemeOptions(vendor: VendorId, credentials: ICredentialDataDecryptedObject): SchemeOptions {
	const settings = getVendor(vendor)?.scheme.settings ?? [];
	if (!settings.includes('header')) return {};
	if (!settings.includes('algorithm')) return { header: String(credentials.authHeaderName || 'x-api-key') };
	const options: SchemeOptions = {
		header: String(credentials.header || 'X-Signature'),
		algorithm: (credentials.algorithm as SchemeOptions['algorithm']) || 'sha256',
		encoding: (credentials.encoding as SchemeOptions['encoding']) || 'hex',
		signedContent: (credentials.signedContent as SchemeOptions['signedContent']) || 'body',
	};
	if (credentials.prefix) options.prefix = String(credentials.prefix);
	if (options.signedContent === 'timestamp.body') options.timestampHeader = String(credentials.timestampHeader || 'X-Timestamp');
	return options;
}

export interface WebhookHandlerInput {
	vendor: VendorId;
	credentialName: string;
}

/**
 * Refusals are warned in n8n's log (its execution list shows none: nothing starts), as often as the
 * core's limiter allows: one line per trigger and window, the next line saying how many were suppressed
 * since. n8n runs each request in a fresh node instance, so the limiter lives here, once per process,
 * keyed by workflow and node (bounded, like the process's replay memory). n8n code has no timers: a count
 * left at the end of a burst is reported with the next refusal.
 */
const refusalWarnings = createWarnLimiter();

/** Warns about a refused request in n8n's log (code and reason, never headers, body or secrets), rate-limited. */
function warnRefusal(context: IWebhookFunctions, vendor: VendorId, decision: Extract<Decision, { kind: 'refused' }>, secrets: readonly string[]): void {
	const node = context.getNode();
	const workflow = context.getWorkflow();
	const verdict = refusalWarnings.hit(`${workflow.id ?? ''}\u0000${node.id ?? node.name}`, Date.now());
	if (!verdict.write) return;
	const where = `"${node.name}" in workflow ${workflow.name ? `"${workflow.name}" ` : ''}(${workflow.id ?? 'unsaved'})`;
	context.logger.warn(
		`DeviceHook: ${refusalLine({ where, vendor, status: decision.status, code: decision.code, reason: decision.message, secrets, suppressed: verdict.suppressed })}`,
		{ workflowId: workflow.id, nodeName: node.name, vendor, code: decision.code, status: decision.status, suppressed: verdict.suppressed },
	);
}

/** Writes a decision's answer as the node's own response (refusals, duplicates, and accepted requests whose id went into the replay list). */
function writeAnswer(context: IWebhookFunctions, decision: Decision): void {
	const response = context.getResponseObject();
	response.status(decision.answer.status).json(decision.answer.body);
}

/**
 * Handles one request, as glue around the core's host kit: read the bytes, hand them with the credential,
 * the parameters and the workflow's replay list to `createReceiver().receive()`, write its answer, and
 * start the workflow on the output it chose. Every status and body comes from the core, so a Node-RED
 * `devicehook in` answers the same request the same way.
 */
export async function handleTriggerWebhook(this: IWebhookFunctions, input: WebhookHandlerInput): Promise<IWebhookResponseData> {
	const request = this.getRequestObject();
	// No credential at all (deleted, or never chosen) reads as no secret: refused 503 below, never a 500.
	let credentials: ICredentialDataDecryptedObject = {};
	try {
		credentials = await this.getCredentials(input.credentialName);
	} catch (error) {
		this.logger.warn(`DeviceHook ${input.vendor} trigger has no usable credential: ${(error as Error).message}`);
	}
	const options = this.getNodeParameter('options', {}) as TriggerOptions;
	const scheme = credentialSchemeOptions(input.vendor, credentials);
	if (options.typeField) scheme.typeField = options.typeField;
	if (options.typeHeader) scheme.typeHeader = options.typeHeader;
	const chosen = chosenTypes(this.getNodeParameter('eventTypes', []));
	const routeByType = this.getNodeParameter('routeByType', false) as boolean;
	const secrets = credentialSecrets(credentials);
	const receiver = createReceiver({
		vendor: input.vendor,
		secrets,
		allowUnauthenticated: this.getNodeParameter('allowUnauthenticated', false) === true,
		allowUnsigned: this.getNodeParameter('allowUnsigned', false) === true,
		...(options.maxBodyKiB !== undefined ? { maxBytes: Number(options.maxBodyKiB) * 1024 } : {}),
		...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
		...(options.refuseReplays !== undefined ? { duplicates: options.refuseReplays } : {}),
		...(options.duplicateHorizonHours !== undefined && options.duplicateHorizonHours !== 0 ? { duplicateHorizonSeconds: Number(options.duplicateHorizonHours) * 3600 } : {}),
		strictSchema: options.strictSchema ?? false,
		scheme,
		types: routeByType ? routedTypes(input.vendor, chosen) : chosen,
		unchosenTypes: routeByType ? 'route' : 'ignore',
		...(options.allowedSources ? { allowedSources: options.allowedSources } : {}),
		...(options.vendorSources === true ? { vendorSources: true } : {}),
	});
	// The address as n8n's Express gives it: the proxy's, or the forwarded one as far as N8N_PROXY_HOPS
	// trusts it. X-Forwarded-For is never read here.
	const source = typeof request.ip === 'string' ? request.ip : undefined;

	// n8n reads the raw body for JSON, text and form requests; other content types are read here. n8n
	// consumes a multipart body itself, and a client may vanish mid-upload: then there is nothing to read,
	// and the kit refuses it like any other request (a throw would make n8n answer 500, which senders retry).
	// A source the allow-list refuses gets no further: its body is neither read nor checked.
	let rawBody: Buffer | undefined = request.rawBody;
	if (!rawBody && !receiver.problem && !receiver.checkSource(source)) {
		try {
			await request.readRawBody();
			rawBody = request.rawBody ?? Buffer.alloc(0);
		} catch (error) {
			this.logger.debug(`DeviceHook ${input.vendor} trigger could not read a request body: ${(error as Error).message}`);
		}
	}

	// The replay list lives in the workflow's static data (saved with it, read by every process in queue
	// mode), behind this process's memory; the core decides both (hostReplayStore).
	let replayStore: ReplayStore | undefined;
	if (receiver.duplicates.on) {
		const staticData = this.getWorkflowStaticData('node');
		if (typeof staticData.seenMessageIds !== 'object' || staticData.seenMessageIds === null) staticData.seenMessageIds = {};
		replayStore = hostReplayStore(staticData.seenMessageIds as Record<string, number>, `${this.getWorkflow().id ?? ''}/${this.getNode().name}/${this.getMode()}`);
	}

	const decision = receiver.receive({ headers: request.headers, rawBody, ...(source !== undefined ? { source } : {}), ...(replayStore ? { replayStore } : {}) });
	if (decision.kind === 'refused' || decision.kind === 'duplicate') {
		if (decision.kind === 'refused') warnRefusal(this, input.vendor, decision, secrets);
		else this.logger.debug(`DeviceHook ${input.vendor} trigger: ${describeDecision(decision)}`);
		writeAnswer(this, decision);
		return { noWebhookResponse: true };
	}
	if (decision.kind === 'ignored') {
		// Nothing is queued, so n8n saves static data (the replay list) and then sends this answer.
		return { webhookResponse: decision.answer.body };
	}

	const event = decision.event;
	const output = this.getNodeParameter('output', 'event') as 'event' | 'body';
	const json: IDataObject = output === 'body' ? { ...(event.raw as IDataObject) } : { ...(event as unknown as IDataObject), authentication: decision.authentication };
	if (options.includeHeaders) json.headers = receiver.safeHeaders(request.headers) as IDataObject;
	// The exact text (n8n's items are parsed JSON): what the Signed Webhook forwards unchanged as Raw Text.
	if (options.includeBodyText && rawBody) json.bodyText = rawBody.toString('utf8');
	const item: INodeExecutionData = { json };
	const outputs = routeByType ? receiver.types.length + 1 : 1;
	const workflowData: INodeExecutionData[][] = Array.from({ length: outputs }, () => [] as INodeExecutionData[]);
	workflowData[decision.output]!.push(item);

	if (replayStore) {
		// The replay list changed: n8n must save it before it hands the execution on. It does when the node
		// answers itself (noWebhookResponse); when n8n answers, it saves only after the execution is queued,
		// and in queue mode such a save was lost (measured: test/hardening/n8n-queue-mode.test.ts). A copy
		// sent to this process right after the answer is answered as a duplicate by the process memory meanwhile.
		writeAnswer(this, decision);
		return { noWebhookResponse: true, workflowData };
	}
	// Otherwise n8n answers, at once (EdgeSense wants a reply within 3 s, 1NCE within 20 s) but only once it
	// has registered the execution, which paces a sender to what n8n can take instead of piling executions up.
	return { workflowData, webhookResponse: decision.answer.body };
}
