/**
 * The 1NCE Cloud Integrator API client of the core (`shared/src/api/one-nce.ts`) in n8n: every call goes
 * through `httpRequestWithAuthentication` with the `oneNceApi` credential — n8n fetches a bearer token
 * through the credential's `preAuthentication` when it has none, keeps it in the credential, and fetches
 * a new one once when the API answers 401. Failures become n8n's NodeApiError / NodeOperationError.
 */
import { oneNceApi } from './core';
import { callApi, type ApiContext } from './n8n-transport';

export type OneNceContext = ApiContext;
export type OneNceEventTypeInput = oneNceApi.OneNceEventTypeInput;
export type OneNceWebhookIntegrationInput = oneNceApi.OneNceWebhookIntegrationInput;
export type OneNceWebhookIntegrationPatch = oneNceApi.OneNceWebhookIntegrationPatch;
export type OneNceIntegration = oneNceApi.OneNceIntegration;
export type OneNceTestResult = oneNceApi.OneNceTestResult;
export type OneNceRestartResult = oneNceApi.OneNceRestartResult;
export type OneNceDeleted = oneNceApi.OneNceDeleted;
export type ListIntegrationsOptions = oneNceApi.ListIntegrationsOptions;

export const ONE_NCE_CREDENTIAL = 'oneNceApi';
export const ONE_NCE_SUBSCRIBABLE_EVENT_TYPES = oneNceApi.ONE_NCE_SUBSCRIBABLE_EVENT_TYPES;
export const ONE_NCE_INTEGRATION_STATES = oneNceApi.ONE_NCE_INTEGRATION_STATES;
export const redactIntegration = oneNceApi.redactIntegration;
export const eventTypesBody = oneNceApi.eventTypesBody;

/** Creates a webhook integration; 1NCE answers 201 with the integration (id, state, …). */
export async function createWebhookIntegration(this: OneNceContext, input: OneNceWebhookIntegrationInput): Promise<OneNceIntegration> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.createWebhookIntegration(request, input));
}

/** Every integration (AWS and webhook ones), following the answer's `page`/`pageAmount`. */
export async function listIntegrations(this: OneNceContext, options: ListIntegrationsOptions = {}): Promise<OneNceIntegration[]> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.listIntegrations(request, options));
}

/** One integration with its url and headers, or undefined when 1NCE does not know the id (404). */
export async function getIntegration(this: OneNceContext, integrationId: string): Promise<OneNceIntegration | undefined> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.getIntegration(request, integrationId));
}

/** Changes a webhook integration's url, headers, event types or JSON flag (never its name). */
export async function updateWebhookIntegration(this: OneNceContext, integrationId: string, patch: OneNceWebhookIntegrationPatch): Promise<OneNceIntegration> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.updateWebhookIntegration(request, integrationId, patch));
}

/** Has 1NCE send a TEST_MESSAGE to the integration; `testStatus` says whether it was delivered. */
export async function testIntegration(this: OneNceContext, integrationId: string): Promise<OneNceTestResult> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.testIntegration(request, integrationId));
}

/** Restarts a failed integration (1NCE sends a TEST_MESSAGE); `restartStatus` says how it went. */
export async function restartIntegration(this: OneNceContext, integrationId: string): Promise<OneNceRestartResult> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.restartIntegration(request, integrationId));
}

/** Deletes an integration. One 1NCE no longer knows (404) counts as deleted. */
export async function deleteIntegration(this: OneNceContext, integrationId: string): Promise<OneNceDeleted> {
	return await callApi(this, ONE_NCE_CREDENTIAL, (request) => oneNceApi.deleteIntegration(request, integrationId));
}
