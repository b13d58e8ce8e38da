/**
 * The example workflows in examples/n8n/ must import and run as they are: every node type exists in
 * this package (or is n8n's own), every parameter is one the node has, the trigger has as many
 * outputs as the workflow wires, and the pinned sample is exactly what the trigger outputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { INodeProperties, INodeType } from 'n8n-workflow';
import { getVendor, sign } from '../../shared/src/index';
import { InHandDeviceManagerTrigger } from '../../nodes/InHand/InHandDeviceManagerTrigger.node';
import { OneNceTrigger } from '../../nodes/OneNce/OneNceTrigger.node';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { webhookContext } from '../helpers/n8n-context';

const dir = path.resolve(__dirname, '../../examples/n8n');
const ourNodes: Record<string, INodeType> = {
	'n8n-nodes-devicehook.inHandDeviceManagerTrigger': new InHandDeviceManagerTrigger(),
	'n8n-nodes-devicehook.oneNceTrigger': new OneNceTrigger(),
	'n8n-nodes-devicehook.signedWebhook': new SignedWebhook(),
};

interface WorkflowNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	webhookId?: string;
}
interface Workflow {
	nodes: WorkflowNode[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
	pinData?: Record<string, Array<{ json: Record<string, unknown> }>>;
}

const examples = fs.readdirSync(dir).filter((file) => file.endsWith('.json'));

function outputsOf(node: INodeType, parameters: Record<string, unknown>): number {
	const outputs = node.description.outputs;
	if (Array.isArray(outputs)) return outputs.length;
	const source = String(outputs).slice(3, -2);
	return (new Function('$parameter', `return ${source};`)(parameters) as unknown[]).length;
}

describe.each(examples)('example %s', (file) => {
	const workflow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Workflow;

	it('uses only nodes and parameters that exist', () => {
		for (const node of workflow.nodes) {
			if (node.type.startsWith('n8n-nodes-base.')) continue;
			const type = ourNodes[node.type];
			expect(type, node.type).toBeDefined();
			const names = new Set((type!.description.properties as INodeProperties[]).map((p) => p.name));
			for (const parameter of Object.keys(node.parameters)) expect(names.has(parameter), `${node.name}.${parameter}`).toBe(true);
			if (type!.description.webhooks) expect(node.webhookId).toMatch(/^[0-9a-f-]{36}$/);
		}
		for (const [from, connection] of Object.entries(workflow.connections)) {
			expect(workflow.nodes.some((n) => n.name === from)).toBe(true);
			for (const output of connection.main) for (const target of output) expect(workflow.nodes.some((n) => n.name === target.node)).toBe(true);
		}
	});

	it("wires every output of the trigger, and the pinned sample is what the trigger outputs", async () => {
		const trigger = workflow.nodes.find((n) => ourNodes[n.type]?.description.webhooks)!;
		const type = ourNodes[trigger.type]!;
		expect(workflow.connections[trigger.name]!.main).toHaveLength(outputsOf(type, trigger.parameters));

		const pinned = workflow.pinData![trigger.name]![0]!.json;
		const vendor = pinned.vendor as string;
		const body = getVendor(vendor)!.samples[pinned.type as string];
		const credentials = { secret: 'example-secret', authHeaderName: 'x-api-key' };
		const request = sign({ vendor, body, secret: credentials.secret, options: { header: 'x-api-key' } });
		const credentialType = type.description.credentials![0]!.name;
		const harness = webhookContext({
			nodeType: type,
			parameters: trigger.parameters,
			credentials: { [credentialType]: credentials },
			request: { body: request.body, headers: request.headers as Record<string, string> },
		});
		const result = await type.webhook!.call(harness.context);
		expect(result.workflowData?.flat()).toEqual([{ json: pinned }]);
	});
});

describe('Signed Webhook output schema (what n8n shows in its data mapper before the first run)', () => {
	it('is a JSON schema with a property for every field of a real delivery result', async () => {
		const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../nodes/SignedWebhook/__schema__/v1.0.0.json'), 'utf8'));
		// n8n's editor accepts a schema preview only with a type and non-empty properties.
		expect(schema.type).toBe('object');
		const { deliver } = await import('../../shared/src/index');
		const result = await deliver(
			{ config: { url: 'http://127.0.0.1:9/x', vendor: 'generic-hmac', secrets: 's', retryPolicy: 'none' }, body: { type: 't' } },
			{ transport: async () => ({ statusCode: 200, headers: {}, body: Buffer.from('ok') }), sleep: async () => undefined },
		);
		for (const key of Object.keys(result)) expect(Object.keys(schema.properties), key).toContain(key);
		for (const key of Object.keys(result.attempts[0]!)) expect(Object.keys(schema.properties.attempts.items.properties), key).toContain(key);
		for (const key of Object.keys(result.endpoint)) expect(Object.keys(schema.properties.endpoint.properties), key).toContain(key);
	});
});
