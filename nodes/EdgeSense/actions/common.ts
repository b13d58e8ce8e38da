/** What the EdgeSense node's operations share. */
import type { IExecuteFunctions } from 'n8n-workflow';
import { getVendor } from '../../shared/core';

export const CATALOGUE = getVendor('edgesense')?.eventTypes ?? [];

/** The credential's webhook secret, for registrations that do not set their own. */
export async function credentialSecret(this: IExecuteFunctions, itemIndex: number): Promise<string> {
	const credentials = await this.getCredentials('edgeSenseApi', itemIndex);
	return typeof credentials.secret === 'string' ? credentials.secret : '';
}
