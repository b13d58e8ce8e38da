/**
 * The webhook of every DeviceHook trigger and its handler: glue around the core's host kit
 * (`createReceiver`), which decides every answer.
 *
 * The handler depends on nothing in the process: secrets come from the credential, the replay list from
 * the workflow's static data, so any n8n process (queue mode's webhook processors too) can answer. (Each
 * process also remembers the ids it accepted, which only adds duplicates of copies sent right after or at once.)
 */
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, IWebhookDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { createReceiver, createWarnLimiter, describeDecision, hostReplayStore, refusalLine, type Decision, type ReplayStore, type VendorId } from '../core';
import { readTriggerCredentials } from './credential-cache';
import { credentialSchemeOptions, credentialSecrets } from './credentials';
import { chosenTypes, routedTypes } from './outputs';

/**
 * The one webhook of every trigger. A refusal or duplicate is written by the node itself (its status
 * varies), and so is the answer to a request whose id went into the replay list; other answers are sent by
 * n8n with the node's `webhookResponse`, which `responseData: ''` selects (n8n's onReceived answer: a
 * non-empty responseData would be sent instead, 'noData' sends nothing).
 *
 * The "Answer" parameter picks n8n's response mode: `onReceived` (at once, as above) or `lastNode` (n8n
 * answers when the execution has ended). With `lastNode`, `responseData: 'noData'` makes the success answer
 * 200 with an empty body rather than the last node's data (which may hold anything the workflow fetched);
 * on a failed node n8n answers 500 {"message":"Error in workflow"} itself (webhook-helpers.ts: fixed, no node
 * can change it), and it waits for the execution however long it runs (no timeout a node can set).
 */
/*
 * The triggers are versions 1 and 1.1 (new nodes: 1.1). 1.1 changes nothing the node does: n8n treats
 * a version-1 webhook node differently only in that it evaluates an expression of its own
 * (`$parameter["options"]["binaryData"]`, in `parseRequestBody`) on every request, which in n8n 2.x's
 * default expression engine costs an expression isolate; from 1.1 on n8n skips it, and leaves bodies of
 * types it cannot parse unparsed, which the trigger reads raw anyway. Workflows saved with version 1
 * keep working as before.
 */
/** What the webhook's `responseMode` and `responseData` templates below compute, for n8n's native resolvers. */
const answerOf = (parameters: { answer?: unknown }) => (parameters.answer === 'lastNode' ? 'lastNode' : 'onReceived');
const RESPONSE_MODE = '={{$parameter["answer"] === "lastNode" ? "lastNode" : "onReceived"}}';
const RESPONSE_DATA = '={{$parameter["answer"] === "lastNode" ? "noData" : ""}}';

/*
 * n8n 2.41 resolves a webhook description's expression fields without its expression engine when the
 * description carries a native resolver for each (n8n-workflow's `webhookDescriptionFields`, kept under
 * the registered symbol below) and the node's parameters hold no expression; otherwise every request
 * evaluates `responseMode` and `responseData` in the engine, which with
 * N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true builds an isolate per request that nothing else needs. The
 * symbol is written here rather than imported because older n8n-workflow versions (n8n 2.8) do not
 * export it; they ignore the key and evaluate the same templates. Each resolver must equal its template:
 * test/n8n/triggers.test.ts checks both for every answer mode.
 */
const WEBHOOK_RESOLVERS = Symbol.for('n8n.webhookDescriptionResolvers');

export const triggerWebhooks: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: RESPONSE_MODE,
		responseData: RESPONSE_DATA,
		path: 'webhook',
		[WEBHOOK_RESOLVERS]: {
			responseMode: { template: RESPONSE_MODE, resolve: (parameters: { answer?: unknown }) => answerOf(parameters) },
			responseData: { template: RESPONSE_DATA, resolve: (parameters: { answer?: unknown }) => (answerOf(parameters) === 'lastNode' ? 'noData' : '') },
		},
	} as IWebhookDescription,
];

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
		credentials = await readTriggerCredentials(this, input.credentialName);
	} catch (error) {
		this.logger.warn(`DeviceHook ${input.vendor} trigger has no usable credential: ${(error as Error).message}`);
	}
	const options = this.getNodeParameter('options', {}) as TriggerOptions;
	const scheme = credentialSchemeOptions(input.vendor, credentials);
	if (options.typeField) scheme.typeField = options.typeField;
	if (options.typeHeader) scheme.typeHeader = options.typeHeader;
	const chosen = chosenTypes(this.getNodeParameter('eventTypes', []));
	const routeByType = this.getNodeParameter('routeByType', false) as boolean;
	// "When the Workflow Has Finished": n8n answers after the execution (see triggerWebhooks), so the node writes nothing for an accepted request.
	const afterWorkflow = this.getNodeParameter('answer', 'onReceived') === 'lastNode';
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

	if (afterWorkflow) return { workflowData };
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
