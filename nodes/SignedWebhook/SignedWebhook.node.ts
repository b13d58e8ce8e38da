import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
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
import { signedWebhookProperties } from './SignedWebhookDescription';

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

interface HeaderParameter {
	name?: string;
	value?: string;
}

interface SignedWebhookOptions {
	maxRetryAfterSeconds?: number;
	messageId?: string;
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
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'genericHmacApi',
				required: true,
				testedBy: 'checkSigningSecret',
				displayOptions: { show: { scheme: ['generic-hmac'] } },
			},
			{
				name: 'standardWebhooksApi',
				required: true,
				testedBy: 'checkSigningSecret',
				displayOptions: { show: { scheme: ['standard-webhooks'] } },
			},
			{
				name: 'inHandWebhookApi',
				required: true,
				testedBy: 'checkSigningSecret',
				displayOptions: { show: { scheme: ['inhand-dm', 'incloud-manager'] } },
			},
			{
				name: 'scalefusionWebhookApi',
				required: true,
				testedBy: 'checkSigningSecret',
				displayOptions: { show: { scheme: ['scalefusion'] } },
			},
			{
				name: 'edgeSenseApi',
				required: true,
				displayOptions: { show: { scheme: ['edgesense'] } },
			},
			{
				name: 'oneNceApi',
				required: true,
				displayOptions: { show: { scheme: ['1nce'] } },
			},
		],
		properties: signedWebhookProperties,
	};

	methods = { credentialTest: { checkSigningSecret } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		const allowPrivate = this.getNodeParameter('allowPrivateNetworkTargets', 0, this.getNode().typeVersion < 1.1) as boolean;
		const transport = createN8nTransport(this.helpers, { allowPrivate, egressFilter: egressFilterOf(this.helpers) });
		const sleep = createN8nSleep();
		const signal = this.getExecutionCancelSignal?.();

		for (let i = 0; i < items.length; i++) {
			let result: DeliveryResult;
			try {
				const scheme = this.getNodeParameter('scheme', i) as VendorId;
				const credentialName = CREDENTIAL_OF_SCHEME[scheme];
				if (!credentialName) throw new NodeOperationError(this.getNode(), `Unknown signature scheme "${String(scheme)}".`, { itemIndex: i });
				const credentials = await this.getCredentials(credentialName, i);
				const config = prepareItemDelivery.call(this, i, scheme, credentials);
				const body = itemBody.call(this, i, items[i]!.json);
				try {
					result = await deliver(
						{ config, body, placeholders: placeholdersOf(items[i]!.json), ...(signal ? { signal } : {}) },
						{ transport, sleep },
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

			const json = { ...result } as unknown as IDataObject;
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
		return [returnData];
	}
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
	const source = this.getNodeParameter('body', itemIndex, 'item') as 'item' | 'json' | 'text';
	if (source === 'text') return String(this.getNodeParameter('textBody', itemIndex, ''));
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
