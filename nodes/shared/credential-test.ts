/**
 * The credential test of the secret-only credentials (InHand, Scalefusion, Standard Webhooks, HMAC):
 * those vendors have no API to call, so the test checks what can be checked offline — that the secret
 * is there and has the form its scheme needs — and says what to fix.
 */
import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import { isValidHeaderName, standardWebhooksKey } from './core';

export async function checkSigningSecret(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const secrets = [data.secret, data.previousSecret].filter((value) => typeof value === 'string' && value !== '') as string[];
	if (secrets.length === 0 || typeof data.secret !== 'string' || data.secret === '') {
		return { status: 'Error', message: 'Enter the secret the sender signs its webhooks with.' };
	}
	if (credential.type === 'standardWebhooksApi') {
		for (const secret of secrets) {
			const base64 = secret.replace(/^whsec_/, '').replace(/=+$/, '');
			const key = standardWebhooksKey(secret);
			if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== base64) {
				return { status: 'Error', message: 'A Standard Webhooks secret is whsec_ followed by base64; this one does not decode.' };
			}
		}
	}
	if (credential.type === 'genericHmacApi') {
		if (!isValidHeaderName(String(data.header ?? ''))) return { status: 'Error', message: `"${String(data.header)}" is not a valid header name.` };
		if (data.signedContent === 'timestamp.body' && !isValidHeaderName(String(data.timestampHeader ?? ''))) {
			return { status: 'Error', message: `"${String(data.timestampHeader)}" is not a valid header name.` };
		}
	}
	return { status: 'OK', message: 'The secret has the form this scheme needs. Send a test webhook to check that it matches the sender.' };
}
