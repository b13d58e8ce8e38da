/** What a trigger (and the Signed Webhook) reads from its credential: the secrets and the scheme's settings. */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { getVendor, type SchemeOptions, type VendorId } from '../core';

/** The secrets of a credential: the current one first, then the previous one during a rotation. */
export function credentialSecrets(credentials: ICredentialDataDecryptedObject): string[] {
	return [credentials.secret, credentials.previousSecret].map((value) => (typeof value === 'string' ? value : '')).filter(Boolean);
}

/**
 * Scheme settings kept in a credential: generic HMAC's signature layout, 1NCE's header name — whichever
 * the vendor's scheme reads (its `settings`, decided in the core), never chosen by vendor name here. Only
 * the fields that are filled in are passed: the scheme applies its own defaults (`scheme.defaults`) to
 * the others, so they are written once, in the core.
 */
export function credentialSchemeOptions(vendor: VendorId, credentials: ICredentialDataDecryptedObject): SchemeOptions {
	const settings = getVendor(vendor)?.scheme.settings ?? [];
	if (!settings.includes('header')) return {};
	const filled = (name: string): string | undefined => {
		const value = credentials[name];
		return typeof value === 'string' && value !== '' ? value : undefined;
	};
	// 1NCE's credential names its static header authHeaderName; generic HMAC's is the signature header.
	if (!settings.includes('algorithm')) return optionsOf({ header: filled('authHeaderName') });
	const signedContent = filled('signedContent') as SchemeOptions['signedContent'];
	return optionsOf({
		header: filled('header'),
		algorithm: filled('algorithm') as SchemeOptions['algorithm'],
		encoding: filled('encoding') as SchemeOptions['encoding'],
		prefix: filled('prefix'),
		signedContent,
		timestampHeader: signedContent === 'timestamp.body' ? filled('timestampHeader') : undefined,
	});
}

/**
 * The header a static-header vendor's webhooks carry (1NCE): the credential's, else the scheme's default,
 * for the nodes that set it up at the vendor rather than check it.
 */
export function credentialHeaderName(vendor: VendorId, credentials: ICredentialDataDecryptedObject): string {
	return credentialSchemeOptions(vendor, credentials).header ?? getVendor(vendor)?.scheme.defaults?.header ?? '';
}

/** The options without the unset ones. */
function optionsOf(options: { [K in keyof SchemeOptions]: SchemeOptions[K] | undefined }): SchemeOptions {
	return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as SchemeOptions;
}
