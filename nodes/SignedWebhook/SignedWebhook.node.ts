import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeCredentialDescription,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import {
	customRetryPolicy,
	deliver,
	describeAttempt,
	restartEndpoint,
	type EndpointState,
	type EndpointStateStore,
	type DeliveryAttempt,
	type DeliveryProgress,
	isDeliveryError,
	getVendor,
	placeholdersOf,
	prepareDelivery,
	type DeliveryResult,
	type PreparedDelivery,
	type RetryPolicy,
	type SignOptions,
	type VendorId,
} from '../shared/core';
import { checkSigningSecret } from '../shared/credential-test';
import { createN8nSleep, createN8nTransport, egressFilterOf } from '../shared/n8n-transport';
import { credentialSchemeOptions } from '../shared/trigger/credentials';
import { LONG_WAIT_SECONDS, RETRY_FIELD, signedWebhookProperties } from './SignedWebhookDescription';

/** Two outputs when long waits go through the Retry output, else one (n8n evaluates this in the editor and at run time). */
const OUTPUTS_EXPRESSION =
	'={{ $parameter["retryWaits"] === "output" ? [{ type: "main", displayName: "Sent" }, { type: "main", displayName: "Retry" }] : [{ type: "main" }] }}';

/** What the Retry output carries in `devicehookRetry`, and what the node reads back to continue. */
export interface RetryState {
	/** The number of the attempt that comes next. */
	attempt: number;
	/** When it is due (ISO 8601): give it to the Wait node. */
	waitUntil: string;
	/** The wait the schedule asked for, in seconds. */
	waitSeconds: number;
	/** The Standard Webhooks message ID, kept for the retry so receivers can de-duplicate. */
	messageId?: string;
	url: string;
	vendor: VendorId;
	/** Why the last attempt failed. */
	lastError?: string;
	/** Every attempt so far, as in the node's result. */
	attempts: DeliveryAttempt[];
}

/** The credential that holds each scheme's secret (and, for HMAC and 1NCE, its header settings). */
const CREDENTIAL_OF_SCHEME: Record<VendorId, string> = {
	'1nce': 'oneNceApi',
	edgesense: 'edgeSenseApi',
	'generic-hmac': 'genericHmacApi',
	'incloud-manager': 'inHandWebhookApi',
	'inhand-dm': 'inHandWebhookApi',
	scalefusion: 'scalefusionWebhookApi',
	'standard-webhooks': 'standardWebhooksApi',
};

/** The node's entry for one credential type: shown for the schemes that use it, hidden for every other. */
function credentialFor(name: string, testedOffline: boolean): INodeCredentialDescription {
	const schemes = (Object.keys(CREDENTIAL_OF_SCHEME) as VendorId[]).filter((scheme) => CREDENTIAL_OF_SCHEME[scheme] === name);
	const others = (Object.keys(CREDENTIAL_OF_SCHEME) as VendorId[]).filter((scheme) => !schemes.includes(scheme));
	return {
		name,
		required: true,
		...(testedOffline ? { testedBy: 'checkSigningSecret' } : {}),
		displayOptions: { hide: { scheme: others } },
	};
}

interface HeaderParameter {
	name?: string;
	value?: string;
}

interface SignedWebhookOptions {
	maxRetryAfterSeconds?: number;
	messageId?: string;
	reenableStamp?: string;
	requestIdHeader?: string;
	timeout?: number;
}

export class SignedWebhook implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Signed Webhook',
		name: 'signedWebhook',
		icon: { light: 'file:../../icons/devicehook.svg', dark: 'file:../../icons/devicehook.dark.svg' },
		group: ['output'],
		// 1.1: private network targets are refused unless "Allow Private Network Targets" is on. Version 1
		// nodes (workflows saved before) keep sending where they did: for them the option defaults to on.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["method"] + " · " + $parameter["scheme"]}}',
		description:
			'Sends each item as a signed webhook — InHand, EdgeSense, 1NCE, Scalefusion, Standard Webhooks or HMAC — with retries and a log of every attempt',
		defaults: { name: 'Signed Webhook' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: OUTPUTS_EXPRESSION,
		// Each credential is shown for its schemes through `hide` (every other scheme), not `show`: n8n's
		// editor takes a parameter named in the credentials' displayOptions.show, whose every option selects a
		// credential, for the node's "main auth field" and moves it out of the parameter list into the
		// credential dialog (getMainAuthField / findAlternativeAuthField, which read only `show`). Signature
		// Scheme stays where the user sees it, above the credential it selects.
		credentials: [
			credentialFor('genericHmacApi', true),
			credentialFor('standardWebhooksApi', true),
			credentialFor('inHandWebhookApi', true),
			credentialFor('scalefusionWebhookApi', true),
			credentialFor('edgeSenseApi', false),
			credentialFor('oneNceApi', false),
		],
		properties: signedWebhookProperties,
	};

	methods = { credentialTest: { checkSigningSecret } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		const retryData: INodeExecutionData[] = [];
		const retryThroughOutput = this.getNodeParameter('retryWaits', 0, 'inline') === 'output';
		const allowPrivate = this.getNodeParameter('allowPrivateNetworkTargets', 0, this.getNode().typeVersion < 1.1) as boolean;
		const transport = createN8nTransport(this.helpers, { allowPrivate, egressFilter: egressFilterOf(this.helpers) });
		const n8nSleep = createN8nSleep();
		const endpointStore = staticDataEndpointStore(this.getWorkflowStaticData('node'));
		const reenabled = await reenableOnNewToken.call(this, endpointStore);
		const cancelSignal = this.getExecutionCancelSignal?.();

		for (let i = 0; i < items.length; i++) {
			let result: DeliveryResult;
			// Through the Retry output: a long wait aborts this delivery (nothing is sent meanwhile) and the
			// item leaves with its progress; the delivery's own cancel signal still cancels it.
			let handoff: { waitMs: number } | undefined;
			let progress: DeliveryProgress | undefined;
			const stop = retryThroughOutput ? new AbortController() : undefined;
			if (stop && cancelSignal) {
				if (cancelSignal.aborted) stop.abort();
				else cancelSignal.addEventListener('abort', () => stop.abort(), { once: true });
			}
			const signal = stop?.signal ?? cancelSignal;
			const sleep: typeof n8nSleep = async (ms, sleepSignal) => {
				if (stop && ms >= LONG_WAIT_SECONDS * 1000) {
					handoff = { waitMs: ms };
					stop.abort();
					return;
				}
				await n8nSleep(ms, sleepSignal);
			};
			try {
				const scheme = this.getNodeParameter('scheme', i) as VendorId;
				const credentialName = CREDENTIAL_OF_SCHEME[scheme];
				if (!credentialName) throw new NodeOperationError(this.getNode(), `Unknown signature scheme "${String(scheme)}".`, { itemIndex: i });
				const credentials = await this.getCredentials(credentialName, i);
				const config = prepareItemDelivery.call(this, i, scheme, credentials);
				const resume = retryThroughOutput ? retryStateOf.call(this, i, items[i]!.json) : undefined;
				const itemJson = resume ? withoutRetryState(items[i]!.json) : items[i]!.json;
				const body = itemBody.call(this, i, itemJson);
				progress = resume; // a retry due later than the Wait node let it out goes back to the Retry output as it came
				try {
					result = await deliver(
						{
							config,
							body,
							placeholders: placeholdersOf(itemJson),
							...(signal ? { signal } : {}),
							...(resume ? { resume } : {}),
						},
						{ transport, sleep, endpointStore, onAttempt: (_attempt, now) => void (progress = now) },
					);
				} catch (error) {
					// Signing failed before anything was sent: a body the scheme cannot take (EdgeSense needs a
					// JSON object, InHand JSON) or a secret it cannot use (Standard Webhooks needs whsec_ + base64).
					throw new NodeOperationError(this.getNode(), error as Error, {
						itemIndex: i,
						message: `The request cannot be signed with the ${getVendor(scheme)?.label ?? scheme} scheme: ${(error as Error).message}`,
					});
				}
			} catch (error) {
				const nodeError =
					error instanceof NodeOperationError || error instanceof NodeApiError
						? error
						: new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
				if (this.continueOnFail()) {
					returnData.push({ json: { error: nodeError.message }, error: nodeError, pairedItem: { item: i } });
					continue;
				}
				throw nodeError;
			}

			if (handoff && progress && !cancelSignal?.aborted) {
				const state = retryStateFrom(progress, handoff.waitMs, result);
				retryData.push({ json: { ...withoutRetryState(items[i]!.json), [RETRY_FIELD]: state as unknown as IDataObject }, pairedItem: { item: i } });
				continue;
			}
			const json = { ...result, ...(reenabled.length > 0 ? { reenabledEndpoints: reenabled } : {}) } as unknown as IDataObject;
			if (result.outcome === 'endpoint_failed') {
				const failure = new NodeApiError(
					this.getNode(),
					{ message: endpointFailedMessage(result.url, result.endpoint), outcome: result.outcome, url: result.url } as JsonObject,
					{ message: endpointFailedMessage(result.url, result.endpoint), description: REENABLE_HOW, itemIndex: i },
				);
				if (this.continueOnFail()) {
					returnData.push({ json: { ...json, error: failure.message }, error: failure, pairedItem: { item: i } });
					continue;
				}
				throw failure;
			}
			if (result.delivered) {
				returnData.push({ json, pairedItem: { item: i } });
				continue;
			}
			const message = result.error ?? `The webhook was not delivered (${result.outcome}).`;
			const failure = new NodeApiError(
				this.getNode(),
				{ message, outcome: result.outcome, url: result.url } as JsonObject,
				{
					message,
					description: attemptLog(result),
					itemIndex: i,
					...(result.statusCode !== undefined ? { httpCode: String(result.statusCode) } : {}),
				},
			);
			if (this.continueOnFail()) {
				// `error` on the item sends it to the error output when the node has one ("On Error: Continue
				// (using error output)"); otherwise it continues on the main output with its delivery log.
				returnData.push({ json: { ...json, error: message }, error: failure, pairedItem: { item: i } });
				continue;
			}
			throw failure;
		}
		return retryThroughOutput ? [returnData, retryData] : [returnData];
	}
}

const REENABLE_HOW =
	'Nothing was sent. To send again, set Options → Re-Enable Stamp to a new value (any text, e.g. today\'s date) and save the workflow: the next run re-enables every endpoint this node has disabled. The state is kept in the workflow\'s static data, which n8n saves after production runs (not after manual test runs).';

function endpointFailedMessage(url: string, state: EndpointState): string {
	const failures = state.consecutiveFailures === 1 ? '1 failed delivery' : `${state.consecutiveFailures} failed deliveries`;
	return `The endpoint ${url} is disabled since ${state.failedAt ?? 'earlier'} after ${failures}${state.reason ? ` (${state.reason.replace(/\.$/, '')})` : ''}. Set Options → Re-Enable Stamp to a new value and save the workflow to send again.`;
}

/** At most this many endpoints are remembered per node (failed ones first); healthy ones are not stored at all. */
const MAX_STORED_ENDPOINTS = 200;

/**
 * Endpoint health in the node's workflow static data: n8n stores it with the workflow in its database
 * after every production execution, where every main and worker process reads it when an execution starts.
 */
function staticDataEndpointStore(staticData: IDataObject): EndpointStateStore {
	const read = (): Record<string, EndpointState> =>
		staticData.endpoints && typeof staticData.endpoints === 'object' ? (staticData.endpoints as unknown as Record<string, EndpointState>) : {};
	return {
		get: (key) => {
			const state = read()[key];
			return state && typeof state === 'object' ? { ...state } : undefined;
		},
		set: (key, state) => {
			const endpoints = { ...read() };
			const healthy = state.status === 'active' && state.consecutiveFailures === 0;
			if (healthy && !(key in endpoints)) return; // nothing to remember, nothing changed
			if (healthy) delete endpoints[key];
			else endpoints[key] = { ...state };
			const keys = Object.keys(endpoints);
			for (const old of keys.filter((k) => endpoints[k]!.status !== 'failed').slice(0, Math.max(0, keys.length - MAX_STORED_ENDPOINTS))) delete endpoints[old];
			// A new object on the top level: n8n marks the static data changed and saves it.
			staticData.endpoints = endpoints as unknown as IDataObject;
		},
	};
}

/** A Re-Enable Stamp different from the one last seen re-enables every failed endpoint once; returns their keys. */
async function reenableOnNewToken(this: IExecuteFunctions, store: EndpointStateStore): Promise<string[]> {
	const staticData = this.getWorkflowStaticData('node');
	const token = String((this.getNodeParameter('options.reenableStamp', 0, '') as string) ?? '').trim();
	if (token === '' || token === staticData.reenableStamp) return [];
	const endpoints = staticData.endpoints && typeof staticData.endpoints === 'object' ? (staticData.endpoints as IDataObject) : {};
	const failed = Object.keys(endpoints).filter((key) => (endpoints[key] as unknown as EndpointState)?.status === 'failed');
	for (const key of failed) await restartEndpoint(store, key);
	staticData.reenableStamp = token;
	if (failed.length > 0) this.logger?.info(`Signed Webhook: re-enabled ${failed.length} endpoint(s) after a new Re-Enable Stamp`, { endpoints: failed });
	return failed;
}

/** The progress a Retry-output item carries, checked: undefined for an item that is not a retry. */
function retryStateOf(this: IExecuteFunctions, itemIndex: number, json: IDataObject): DeliveryProgress | undefined {
	const state = json[RETRY_FIELD];
	if (state === undefined || state === null) return undefined;
	const invalid = (why: string) =>
		new NodeOperationError(this.getNode(), `The item's "${RETRY_FIELD}" field is not a retry from this node's Retry output: ${why}.`, {
			itemIndex,
			description: `Remove or rename the "${RETRY_FIELD}" field of items that are not retries.`,
		});
	if (typeof state !== 'object' || Array.isArray(state)) throw invalid('it is not an object');
	const { attempts, waitUntil, messageId } = state as IDataObject;
	if (!Array.isArray(attempts) || attempts.length === 0 || !attempts.every((a) => typeof a === 'object' && a !== null && typeof (a as IDataObject).attempt === 'number')) {
		throw invalid('"attempts" is not a list of attempts');
	}
	const due = typeof waitUntil === 'string' ? Date.parse(waitUntil) : NaN;
	if (!Number.isFinite(due)) throw invalid('"waitUntil" is not a date');
	if (messageId !== undefined && typeof messageId !== 'string') throw invalid('"messageId" is not text');
	return {
		attempts: (attempts as unknown as DeliveryAttempt[]).map((a) => ({ ...a })),
		nextAttemptAt: due,
		...(typeof messageId === 'string' ? { messageId } : {}),
	};
}

function withoutRetryState(json: IDataObject): IDataObject {
	if (!(RETRY_FIELD in json)) return json;
	const rest = { ...json };
	delete rest[RETRY_FIELD];
	return rest;
}

function retryStateFrom(progress: DeliveryProgress, waitMs: number, result: DeliveryResult): RetryState {
	const last = progress.attempts[progress.attempts.length - 1];
	const due = progress.nextAttemptAt ?? Date.parse(last?.startedAt ?? '') + waitMs;
	return {
		attempt: progress.attempts.length + 1,
		waitUntil: new Date(due).toISOString(),
		waitSeconds: Math.round(waitMs / 1000),
		...(progress.messageId !== undefined ? { messageId: progress.messageId } : {}),
		url: result.url,
		vendor: result.vendor,
		...(last?.error !== undefined ? { lastError: last.error } : {}),
		attempts: progress.attempts.map((a) => ({ ...a })),
	};
}

/** Reads and checks the item's delivery settings; a setting that cannot work fails before sending. */
function prepareItemDelivery(
	this: IExecuteFunctions,
	itemIndex: number,
	scheme: VendorId,
	credentials: ICredentialDataDecryptedObject,
): PreparedDelivery {
	// Sign with the current secret only: the previous one is for receivers during a rotation, and is
	// never used in its place when the current one is empty.
	const secret = typeof credentials.secret === 'string' ? credentials.secret : '';
	if (secret === '') {
		throw new NodeOperationError(this.getNode(), 'The credential has no secret: enter the secret the receiver checks.', { itemIndex });
	}
	const secrets = [secret];
	const schemeOptions: SignOptions = { ...credentialSchemeOptions(scheme, credentials) };
	const options = this.getNodeParameter('options', itemIndex, {}) as SignedWebhookOptions;
	if (getVendor(scheme)?.scheme.keepsMessageIdAcrossRetries && options.messageId) schemeOptions.messageId = String(options.messageId);

	const headerRows = this.getNodeParameter('headers.header', itemIndex, []) as HeaderParameter[];
	const headers: Record<string, string> = {};
	for (const row of headerRows) {
		const name = String(row.name ?? '').trim();
		if (name === '') continue;
		if (Object.keys(headers).some((existing) => existing.toLowerCase() === name.toLowerCase())) {
			throw new NodeOperationError(this.getNode(), `The header "${name}" is listed twice.`, { itemIndex });
		}
		headers[name] = String(row.value ?? '');
	}

	let retryPolicy: string | RetryPolicy | undefined = this.getNodeParameter('retryPolicy', itemIndex, 'vendor') as string;
	try {
		if (retryPolicy === 'vendor') {
			retryPolicy = undefined;
		} else if (retryPolicy === 'custom') {
			const retries = Number(this.getNodeParameter('customRetries', itemIndex, 3));
			const delaySeconds = Number(this.getNodeParameter('customDelaySeconds', itemIndex, 10));
			const backoff = this.getNodeParameter('customBackoff', itemIndex, true) as boolean;
			retryPolicy = customRetryPolicy({ retries, initialDelayMs: Math.round(delaySeconds * 1000), factor: backoff ? 2 : 1 });
		}
		return prepareDelivery({
			url: String(this.getNodeParameter('url', itemIndex)).trim(),
			method: this.getNodeParameter('method', itemIndex, 'POST') as 'POST' | 'PUT' | 'PATCH',
			vendor: scheme,
			secrets,
			schemeOptions,
			headers,
			...(retryPolicy !== undefined ? { retryPolicy } : {}),
			timeoutMs: Number(options.timeout ?? 15_000),
			...(options.requestIdHeader ? { requestIdHeader: String(options.requestIdHeader).trim() } : {}),
			...(options.maxRetryAfterSeconds !== undefined ? { maxRetryAfterMs: Number(options.maxRetryAfterSeconds) * 1000 } : {}),
		});
	} catch (error) {
		if (isDeliveryError(error)) {
			throw new NodeOperationError(this.getNode(), error.message, {
				itemIndex,
				description: 'Nothing was sent. Fix the setting named above and run the node again.',
			});
		}
		throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
	}
}

/** The body to send: the item's JSON (serialized the vendor's way), JSON from the parameter, or text. */
function itemBody(this: IExecuteFunctions, itemIndex: number, itemJson: IDataObject): unknown {
	const source = this.getNodeParameter('body', itemIndex, 'item') as 'item' | 'json' | 'text' | 'sample';
	if (source === 'text') return String(this.getNodeParameter('textBody', itemIndex, ''));
	if (source === 'sample') {
		const scheme = this.getNodeParameter('scheme', itemIndex) as VendorId;
		const type = String(this.getNodeParameter('sampleType', itemIndex, ''));
		const samples = getVendor(scheme)?.samples ?? {};
		if (!Object.prototype.hasOwnProperty.call(samples, type)) {
			throw new NodeOperationError(this.getNode(), `There is no ${getVendor(scheme)?.label ?? scheme} sample event of type "${type}".`, {
				itemIndex,
				description: `Sample types: ${Object.keys(samples).join(', ')}.`,
			});
		}
		return JSON.parse(JSON.stringify(samples[type])) as unknown; // a copy: the catalogue is shared
	}
	if (source === 'item') return itemJson;
	const value = this.getNodeParameter('jsonBody', itemIndex, '{}') as unknown;
	if (typeof value !== 'string') return value; // an expression that gave an object or array
	try {
		JSON.parse(value);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), `The JSON body is not valid JSON: ${(error as Error).message}`, { itemIndex });
	}
	return value; // sent as written (the InHand scheme re-serializes it the Python way, as InHand does)
}

/** The delivery's attempts, one line each (the core's describeAttempt), for the error's description. */
function attemptLog(result: DeliveryResult): string {
	return [`${result.outcome} — ${result.attempts.length} attempt(s) to ${result.url}`, ...result.attempts.map(describeAttempt)].join('\n');
}
