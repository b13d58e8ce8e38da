/** What a trigger (and the Signed Webhook) reads from its credential: the secrets and the scheme's settings. */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { getVendor, type SchemeOptions, type VendorId } from '../core';

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
