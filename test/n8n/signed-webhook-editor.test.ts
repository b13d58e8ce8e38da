/**
 * What n8n's editor shows of the Signed Webhook's Signature Scheme. n8n 2.41.1's editor (n8n-editor-ui,
 * dist/assets/workflows.store-*.js: getMainAuthField, getNodeAuthFields, findAlternativeAuthField) takes
 * as the node's "main auth field" a parameter named in the credentials' displayOptions.show whose every
 * option selects a credential, hides it from the parameter list and offers it only in the credential
 * dialog. Those functions are reproduced here as n8n ships them; the scheme must not be one, and each
 * scheme must still select exactly one credential (n8n-workflow's displayParameter, which the editor and
 * n8n-core's getCredentials use, reads `show` and `hide`).
 */
import { describe, expect, it } from 'vitest';
import { NodeHelpers, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';
import { vendorIds } from '../../shared/src/index';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';

const description = new SignedWebhook().description;

// n8n 2.41.1 editor, de-minified (jg, Mg, Tg, wg in workflows.store-1K8xwhMX.js; isNodeParameterRequired is always true there).
function getNodeAuthFields(nodeType: INodeTypeDescription, nodeVersion?: number): INodeProperties[] {
	const fields: INodeProperties[] = [];
	for (const credential of nodeType.credentials ?? []) {
		for (const name of Object.keys(credential.displayOptions?.show ?? {})) {
			for (const property of nodeType.properties.filter((p) => p.name === name)) {
				const versions = property.displayOptions?.show?.['@version'] as unknown[] | undefined;
				if (!fields.includes(property) && (!nodeVersion || !versions || versions.includes(nodeVersion))) fields.push(property);
			}
		}
	}
	return fields;
}
function findAlternativeAuthField(nodeType: INodeTypeDescription, fields: INodeProperties[]): INodeProperties | null {
	const dependent: Record<string, string[]> = {};
	for (const credential of nodeType.credentials ?? []) {
		for (const [name, values] of Object.entries(credential.displayOptions?.show ?? {})) {
			dependent[name] = (dependent[name] ?? []).concat(((values as unknown[]) ?? []).map((v) => (v ? String(v) : '')));
		}
	}
	return (
		fields.find((field) => {
			if (!field.options?.length) return false;
			return field.options.every((option) => !('value' in option) || typeof option.value !== 'string' || dependent[field.name]!.includes(option.value));
		}) ?? null
	);
}
function getMainAuthField(nodeType: INodeTypeDescription): INodeProperties | null {
	const fields = getNodeAuthFields(nodeType);
	return fields.find((f) => f.name === 'authentication' && !f.options?.some((o) => 'value' in o && o.value === 'none')) ?? findAlternativeAuthField(nodeType, fields);
}

describe('Signed Webhook in n8n 2.41\'s editor', () => {
	it('has no main auth field: Signature Scheme stays in the parameter list, first', () => {
		expect(getMainAuthField(description)).toBeNull();
		expect(getNodeAuthFields(description)).toEqual([]);
		expect(description.properties[0]!.name).toBe('scheme');
		expect(description.properties[0]!.displayOptions).toBeUndefined();
	});

	it('the way it was (credentials shown per scheme with `show`) made the scheme the main auth field — the bug this guards', () => {
		const before: INodeTypeDescription = {
			...description,
			credentials: description.credentials!.map((c) => ({ ...c, displayOptions: { show: { scheme: vendorIds.filter((v) => !(c.displayOptions!.hide!.scheme as string[]).includes(v)) } } })),
		};
		expect(getMainAuthField(before)?.name).toBe('scheme');
	});

	it.each(vendorIds)('scheme %s selects exactly one credential, as the editor and n8n-core evaluate it', (scheme) => {
		const shown = description.credentials!.filter((c) => NodeHelpers.displayParameter({ scheme }, c, null));
		expect(shown).toHaveLength(1);
		expect(shown[0]!.required).toBe(true);
	});
});
