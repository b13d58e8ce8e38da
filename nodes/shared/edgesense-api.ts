/**
 * The EdgeSense.io webhook API client of the core (`shared/src/api/edgesense.ts`) in n8n: every call goes
 * through `httpRequestWithAuthentication` with the `edgeSenseApi` credential, whose `authenticate` sets
 * the base URL and the API-key header; failures become n8n's NodeApiError / NodeOperationError.
 */
import { edgesenseApi } from './core';
import { callApi, type ApiContext } from './n8n-transport';

export type EdgeSenseContext = ApiContext;
export type EdgeSenseRegistration = edgesenseApi.EdgeSenseRegistration;
export type EdgeSenseRegistered = edgesenseApi.EdgeSenseRegistered;
export type EdgeSenseWebhook = edgesenseApi.EdgeSenseWebhook;
export type EdgeSenseDeleted = edgesenseApi.EdgeSenseDeleted;

export const EDGESENSE_CREDENTIAL = 'edgeSenseApi';

export const redactWebhook = edgesenseApi.redactWebhook;

/** Registers a webhook: EdgeSense signs what it sends to `url` with `secret`. */
export async function registerWebhook(this: EdgeSenseContext, registration: EdgeSenseRegistration): Promise<EdgeSenseRegistered> {
	return await callApi(this, EDGESENSE_CREDENTIAL, (request) => edgesenseApi.registerWebhook(request, registration));
}

/** The webhooks registered at EdgeSense for this API key. */
export async function listWebhooks(this: EdgeSenseContext): Promise<EdgeSenseWebhook[]> {
	return await callApi(this, EDGESENSE_CREDENTIAL, (request) => edgesenseApi.listWebhooks(request));
}

/** Deletes a webhook. A webhook EdgeSense no longer knows (404) counts as deleted. */
export async function deleteWebhook(this: EdgeSenseContext, webhookId: string): Promise<EdgeSenseDeleted> {
	return await callApi(this, EDGESENSE_CREDENTIAL, (request) => edgesenseApi.deleteWebhook(request, webhookId));
}
