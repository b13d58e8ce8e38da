import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { httpStatusOf, isSafeHeaderValue, isValidHeaderName } from '../shared/core';
import {
	createWebhookIntegration,
	deleteIntegration,
	getIntegration,
	listIntegrations,
	ONE_NCE_SUBSCRIBABLE_EVENT_TYPES,
	restartIntegration,
	type OneNceIntegration,
} from '../shared/one-nce-api';
import { registrationLifecycle } from '../shared/registration';
import { credentialHeaderName } from '../shared/trigger/credentials';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { chosenTypes, outputsExpression } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

/**
 * What the trigger keeps in the workflow's static data about its integration at 1NCE. "Listen for test
 * event" (mode 'manual') creates a separate integration for the test URL, named "<name> (test)" and kept
 * under keys of its own, so that it never touches the production integration of a published workflow.
 */
const PRODUCTION_KEYS = { id: 'integrationId', url: 'integrationUrl', events: 'integrationEventTypes', stale: 'staleIntegrationId' };
const TEST_KEYS = { id: 'testIntegrationId', url: 'testIntegrationUrl', events: 'testIntegrationEventTypes', stale: 'staleTestIntegrationId' };

function isTestMode(context: IHookFunctions): boolean {
	return context.getMode() === 'manual';
}

const DEFAULT_NAME = 'n8n DeviceHook';

/**
 * The event types to subscribe to: the chosen ones that 1NCE lets an integration subscribe to, or all of
 * those when none are chosen. TEST_MESSAGE is not subscribable: 1NCE sends it on Test and Restart anyway.
 */
function wantedEventTypes(context: IHookFunctions): string[] {
	const subscribable: readonly string[] = ONE_NCE_SUBSCRIBABLE_EVENT_TYPES;
	const chosen = chosenTypes(context.getNodeParameter('eventTypes', [])).filter((type) => subscribable.includes(type));
	return chosen.length > 0 ? chosen : [...subscribable];
}

function integrationName(context: IHookFunctions): string {
	let name = String(context.getNodeParameter('integrationName', DEFAULT_NAME) ?? '').trim() || DEFAULT_NAME;
	if (isTestMode(context)) name = `${name.slice(0, 121)} (test)`;
	if (name.length > 128) throw new NodeOperationError(context.getNode(), `The integration name may have at most 128 characters; this one has ${name.length}.`);
	return name;
}

function sameEvents(listed: OneNceIntegration['eventTypes'], wanted: string[]): boolean {
	const a = [...new Set(listed.map((entry) => entry.type))].sort();
	const b = [...new Set(wanted)].sort();
	return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** What creating the integration needs: its name and the credential's webhook header. */
interface Prepared {
	name: string;
	headerName: string;
	headerValue: string;
}

/** The trigger's registration at 1NCE: a webhook integration sending the credential's webhook header. */
const registration = registrationLifecycle<OneNceIntegration, Prepared>({
	keys: { production: PRODUCTION_KEYS, test: TEST_KEYS },
	noUrlMessage: 'n8n could not tell this trigger\u2019s webhook URL, so it cannot be registered at 1NCE.',
	wantedEvents() {
		return wantedEventTypes(this);
	},
	async find(integrationId) {
		return await getIntegration.call(this, integrationId);
	},
	problemWith(integration, url) {
		if (integration.state === 'ROLLOUT_FAILED') return 'failed to roll out';
		if ((integration.url === undefined || integration.url === url) && sameEvents(integration.eventTypes, wantedEventTypes(this))) return undefined;
		return 'no longer matches this trigger';
	},
	async whenKept(integration, integrationId) {
		if (integration.state !== 'INTEGRATION_FAILED') return;
		// 1NCE gave up after 5 failed deliveries (e.g. while n8n was down): resume delivery now.
		try {
			const restart = await restartIntegration.call(this, integrationId);
			this.logger.info(`Restarted 1NCE integration ${integrationId}, which had failed: ${restart.restartStatus} ${restart.message}`.trim());
		} catch (error) {
			this.logger.warn(
				`1NCE integration ${integrationId} is in state INTEGRATION_FAILED and could not be restarted (${(error as Error).message}). Restart it with the 1NCE node or in the 1NCE Portal.`,
			);
		}
	},
	async prepare() {
		const name = integrationName(this);
		const credentials = await this.getCredentials('oneNceApi');
		const headerName = credentialHeaderName('1nce', credentials);
		const headerValue = typeof credentials.secret === 'string' ? credentials.secret : '';
		if (!isValidHeaderName(headerName)) {
			throw new NodeOperationError(this.getNode(), `"${headerName}" is not a valid header name; fix the webhook header name in the 1NCE API credential.`);
		}
		if (headerValue === '' || !isSafeHeaderValue(headerValue)) {
			throw new NodeOperationError(
				this.getNode(),
				'Enter a webhook header value (printable characters, no line breaks) in the 1NCE API credential: 1NCE sends it with every message and the trigger refuses messages without it.',
			);
		}
		return { name, headerName, headerValue };
	},
	async removeStale(stale) {
		if (typeof stale === 'string' && stale !== '') {
			await deleteIntegration.call(this, stale);
			this.logger.info(`Deleted the earlier 1NCE integration ${stale} of this trigger before creating it again.`);
		}
	},
	async register({ url, events: eventTypes, prepared: { name, headerName, headerValue } }) {
		const input = { name, url, headers: { [headerName]: headerValue }, eventTypes, jsonPayloadEnabled: true };
		try {
			return (await createWebhookIntegration.call(this, input)).id;
		} catch (error) {
			if (httpStatusOf(error) !== 409) throw new NodeApiError(this.getNode(), error as JsonObject);
			// The name is taken. If by an integration delivering to this very URL, it is ours and this
			// workflow lost track of it (e.g. re-imported): replace it rather than fail.
			this.logger.info(`1NCE already has an integration named "${name}"; looking for a leftover of this trigger.`);
			let replaced = 0;
			for (const entry of await listIntegrations.call(this)) {
				if (entry.name !== name) continue;
				const detail = await getIntegration.call(this, entry.id);
				if (detail?.url !== url) continue;
				await deleteIntegration.call(this, entry.id);
				replaced++;
			}
			if (replaced === 0) {
				throw new NodeOperationError(
					this.getNode(),
					`1NCE already has an integration named "${name}" that delivers elsewhere. Choose another Integration Name in the trigger.`,
				);
			}
			return (await createWebhookIntegration.call(this, input)).id;
		}
	},
	async remove(integrationId) {
		await deleteIntegration.call(this, integrationId);
	},
	messages: {
		gone: 'no longer exists at 1NCE',
		replacing: (integrationId, why) => `1NCE integration ${integrationId} ${why}; creating a new one.`,
		removeFailed: (integrationId, error) => `Could not delete 1NCE integration ${integrationId}: ${error}`,
	},
});

export class OneNceTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: '1NCE Trigger',
		name: 'oneNceTrigger',
		icon: { light: 'file:../../icons/1nce.svg', dark: 'file:../../icons/1nce.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by event type" : "events"}}',
		description: 'Starts the workflow when the 1NCE Cloud Integrator sends an event; creates the webhook integration at 1NCE for you',
		defaults: { name: '1NCE Trigger' },
		inputs: [],
		outputs: outputsExpression('1nce'),
		credentials: [{ name: 'oneNceApi', required: true }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({
			vendor: '1nce',
			noun: 'Event',
			leading: [
				{
					displayName: 'Register Webhook at 1NCE',
					name: 'registerWebhook',
					type: 'boolean',
					default: true,
					description:
						'Whether to create a webhook integration for this trigger\u2019s URL at 1NCE (with the chosen event types and the credential\u2019s webhook header) when the workflow is published, and delete it when it is unpublished',
				},
				{
					displayName: 'Integration Name',
					name: 'integrationName',
					type: 'string',
					default: DEFAULT_NAME,
					description: 'The name of the webhook integration in the 1NCE Portal (at most 128 characters)',
					displayOptions: { show: { registerWebhook: [true] } },
				},
				{
					displayName:
						'Create the webhook integration in the 1NCE Portal yourself, with this trigger\u2019s production URL and a header named and valued as in the 1NCE API credential: requests without it are refused.',
					name: 'manualRegistrationNotice',
					type: 'notice',
					default: '',
					displayOptions: { show: { registerWebhook: [false] } },
				},
			],
		}),
	};

	webhookMethods = { default: registration };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleTriggerWebhook.call(this, { vendor: '1nce', credentialName: 'oneNceApi' });
	}
}
