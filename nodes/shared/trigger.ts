/**
 * What every DeviceHook trigger shares: its parameters, its outputs (one per chosen event type plus
 * "Other", as n8n's Switch does) and its webhook handler, a thin adapter over the core's `verify`.
 *
 * The handler depends on nothing in the process: secrets come from the credential, the replay list from
 * the workflow's static data, so any n8n process (queue mode's webhook processors too) can answer. (Each
 * process also remembers the ids it accepted, which only adds refusals of copies sent right after or at once.)
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
	createMemoryReplayStore,
	createRecordReplayStore,
	DEFAULT_TOLERANCE_SECONDS,
	getVendor,
	layeredReplayStore,
	outputIndexForType,
	refuseUnreadableBody,
	scopedReplayStore,
	verify,
	type SchemeOptions,
	type VendorId,
} from './core';

/**
 * The one webhook of every trigger. A refusal is written by the node itself (its status varies), and so
 * is the answer to a request whose id went into the replay list; other accepted requests are answered by
 * n8n with the node's `webhookResponse`, which `responseData: ''` selects (n8n's onReceived answer: a
 * non-empty responseData would be sent instead, 'noData' sends nothing).
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

/** Reads the Event Types parameter: a list from the catalogue, or comma-separated text for open vendors. */
export function chosenTypes(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String).filter(Boolean);
	return String(value ?? '')
		.split(',')
		.map((type) => type.trim())
		.filter(Boolean);
}

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
	const typesProperty: INodeProperties =
		catalogue.length > 0
			? {
					displayName: `${noun} Types`,
					name: 'eventTypes',
					type: 'multiOptions',
					options: catalogue.map((entry) => ({ name: entry.label, value: entry.value, description: entry.description })),
					default: [],
					description: `The ${noun.toLowerCase()} types to start the workflow for; none chosen means all, including types the vendor adds later. Other types are answered 200 and start nothing.`,
				}
			: {
					displayName: `${noun} Types`,
					name: 'eventTypes',
					type: 'string',
					default: '',
					placeholder: 'invoice.paid, invoice.failed',
					description: `Comma-separated ${noun.toLowerCase()} types to start the workflow for; empty means all. Other types are answered 200 and start nothing.`,
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
				{ name: 'Raw Body', value: 'body', description: `The body exactly as ${profile?.label ?? 'the sender'} sent it, parsed` },
			],
			default: 'event',
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
				{
					displayName: 'Include Headers',
					name: 'includeHeaders',
					type: 'boolean',
					default: false,
					description: 'Whether to add the request headers to the output, under "headers"',
				},
				{
					displayName: 'Maximum Body Size (KiB)',
					name: 'maxBodyKiB',
					type: 'number',
					typeOptions: { minValue: 1 },
					default: 1024,
					description: 'Larger requests are refused with 413 before they are hashed or parsed',
				},
				{
					displayName: 'Refuse Replayed Messages',
					name: 'refuseReplays',
					type: 'boolean',
					default: false,
					description:
						'Whether to refuse a message ID seen within the timestamp window (kept in the workflow, not in one n8n process). Standard Webhooks triggers refuse replays unless this is set and off.',
				},
				{
					displayName: 'Strict Schema',
					name: 'strictSchema',
					type: 'boolean',
					default: false,
					description: 'Whether to refuse bodies with fields the vendor schema does not know (vendors add fields, so this is off by default)',
				},
				{
					displayName: 'Timestamp Tolerance (Seconds)',
					name: 'toleranceSeconds',
					type: 'number',
					typeOptions: { minValue: 1 },
					default: DEFAULT_TOLERANCE_SECONDS,
					description: 'For schemes that sign a timestamp: how far it may be from now, either way',
				},
				...(input.extraOptions ?? []),
			],
		},
	];
}

interface TriggerOptions {
	includeHeaders?: boolean;
	maxBodyKiB?: number;
	refuseReplays?: boolean;
	strictSchema?: boolean;
	toleranceSeconds?: number;
	typeField?: string;
	typeHeader?: string;
}

/** The secrets of a credential: the current one first, then the previous one during a rotation. */
export function credentialSecrets(credentials: ICredentialDataDecryptedObject): string[] {
	return [credentials.secret, credentials.previousSecret].map((value) => (typeof value === 'string' ? value : '')).filter(Boolean);
}

/** Scheme settings kept in a credential: generic HMAC's signature layout, 1NCE's header name. */
export function credentialSchemeOptions(vendor: VendorId, credentials: ICredentialDataDecryptedObject): SchemeOptions {
	if (vendor === '1nce') return { header: String(credentials.authHeaderName || 'x-api-key') };
	if (vendor !== 'generic-hmac') return {};
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

/**
 * Message ids this process accepted lately, per workflow and node: in front of the workflow's static data,
 * it refuses a copy that arrives while the first is still in flight or before n8n has saved the list (both
 * would read static data without the id). Only ever adds refusals, so any process may answer any request;
 * bounded, and expired ids leave as new ones come.
 */
const acceptedInThisProcess = createMemoryReplayStore({ maxEntries: 10_000 });

export interface WebhookHandlerInput {
	vendor: VendorId;
	credentialName: string;
}

/**
 * Handles one request: verify over the raw bytes, answer at once, then start the workflow on the output
 * of the event's type. A refused request is answered with the core's status and message and starts
 * nothing; a type the user did not choose is answered 200 and starts nothing.
 */
export async function handleTriggerWebhook(this: IWebhookFunctions, input: WebhookHandlerInput): Promise<IWebhookResponseData> {
	const request = this.getRequestObject();
	const response = this.getResponseObject();
	// n8n reads the raw body for JSON, text and form requests; other content types are read here. n8n
	// consumes a multipart body itself, and a client may vanish mid-upload: then there is nothing to read,
	// and the request is refused like any other (a throw here would make n8n answer 500 and save a failed
	// execution, and senders retry a 500).
	if (!request.rawBody) {
		try {
			await request.readRawBody();
		} catch (error) {
			const failure = refuseUnreadableBody(request.headers);
			this.logger.debug(`DeviceHook ${input.vendor} trigger could not read a request body: ${(error as Error).message}`);
			response.status(failure.status).json({ error: failure.code, message: failure.message });
			return { noWebhookResponse: true };
		}
	}

	const credentials = await this.getCredentials(input.credentialName);
	const options = this.getNodeParameter('options', {}) as TriggerOptions;
	const allowUnsigned = this.getNodeParameter('allowUnsigned', false) as boolean;
	const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
	const scheme = credentialSchemeOptions(input.vendor, credentials);
	if (options.typeField) scheme.typeField = options.typeField;
	if (options.typeHeader) scheme.typeHeader = options.typeHeader;

	const refuseReplays = options.refuseReplays ?? input.vendor === 'standard-webhooks';
	const staticData = this.getWorkflowStaticData('node');
	let replayStore;
	if (refuseReplays) {
		if (typeof staticData.seenMessageIds !== 'object' || staticData.seenMessageIds === null) staticData.seenMessageIds = {};
		const scope = `${this.getWorkflow().id ?? ''}/${this.getNode().name}/${this.getMode()}`;
		replayStore = layeredReplayStore(
			scopedReplayStore(acceptedInThisProcess, scope),
			createRecordReplayStore(staticData.seenMessageIds as Record<string, number>),
		);
	}

	const result = verify({
		vendor: input.vendor,
		rawBody: request.rawBody ?? Buffer.alloc(0),
		headers: request.headers,
		secrets: credentialSecrets(credentials),
		options: {
			allowUnsigned,
			maxBytes: Math.max(1, options.maxBodyKiB ?? 1024) * 1024,
			toleranceSeconds,
			strictSchema: options.strictSchema ?? false,
			scheme,
			...(replayStore ? { replayStore } : {}),
		},
	});
	if (!result.ok) {
		this.logger.debug(`DeviceHook ${input.vendor} trigger refused a request: ${result.code}`, { message: result.message });
		response.status(result.status).json({ error: result.code, message: result.message });
		return { noWebhookResponse: true };
	}

	const event = result.event;
	const chosen = chosenTypes(this.getNodeParameter('eventTypes', []));
	const routeByType = this.getNodeParameter('routeByType', false) as boolean;
	if (!routeByType && chosen.length > 0 && !chosen.includes(event.type)) {
		// Nothing is queued, so n8n saves static data (the replay list) and then sends this answer.
		return { webhookResponse: { received: true, started: false, reason: `${event.type} is not one of the types this workflow takes` } };
	}

	const output = this.getNodeParameter('output', 'event') as 'event' | 'body';
	const json: IDataObject = output === 'body' ? { ...(event.raw as IDataObject) } : { ...(event as unknown as IDataObject), authentication: result.authentication };
	if (options.includeHeaders) json.headers = request.headers as IDataObject;
	const item: INodeExecutionData = { json };

	let workflowData: INodeExecutionData[][];
	if (routeByType) {
		const types = routedTypes(input.vendor, chosen);
		workflowData = Array.from({ length: types.length + 1 }, () => [] as INodeExecutionData[]);
		workflowData[outputIndexForType(types, event.type)]!.push(item);
	} else {
		workflowData = [[item]];
	}
	const answer = { received: true, started: true, type: event.type };
	if (replayStore) {
		// The replay list changed: n8n must save it before it hands the execution on. It does when the node
		// answers itself (noWebhookResponse); when n8n answers, it saves only after the execution is queued,
		// and in queue mode such a save was lost (measured: test/hardening/n8n-queue-mode.test.ts). A copy
		// sent to this process right after the answer is refused by acceptedInThisProcess meanwhile.
		response.status(200).json(answer);
		return { noWebhookResponse: true, workflowData };
	}
	// Otherwise n8n answers, at once (EdgeSense wants a reply within 3 s, 1NCE within 20 s) but only once it
	// has registered the execution, which paces a sender to what n8n can take instead of piling executions up.
	return { workflowData, webhookResponse: answer };
}

