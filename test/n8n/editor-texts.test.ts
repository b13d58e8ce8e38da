/**
 * What the n8n node panels say, read from the node descriptions a user sees: retry presets and trigger
 * options that match what the nodes do.
 */
import { describe, expect, it } from 'vitest';
import type { INodeProperties } from 'n8n-workflow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { retryPolicies, sign, vendors } from '../../shared/src/index';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { HmacWebhookTrigger } from '../../nodes/HmacWebhook/HmacWebhookTrigger.node';
import { InCloudManagerTrigger } from '../../nodes/InCloudManager/InCloudManagerTrigger.node';
import { InHandDeviceManagerTrigger } from '../../nodes/InHand/InHandDeviceManagerTrigger.node';
import { ScalefusionTrigger } from '../../nodes/Scalefusion/ScalefusionTrigger.node';
import { StandardWebhooksTrigger } from '../../nodes/StandardWebhooks/StandardWebhooksTrigger.node';
import { webhookAnswer, webhookContext } from '../helpers/n8n-context';

const property = (properties: INodeProperties[], name: string) => properties.find((p) => p.name === name)!;

describe('Signed Webhook retry presets', () => {
  it('says the InHand preset gives up at once when the receiver is unreachable, as the policy does', () => {
    const options = property(new SignedWebhook().description.properties, 'retryPolicy').options as Array<{ value: string; description: string }>;
    const inhand = options.find((o) => o.value === 'inhand')!;
    expect(inhand.description).toContain('3 retries 10 s apart');
    expect(inhand.description).toContain('none when the receiver is unreachable (connection refused, DNS failure)');
    // The text follows the policy the preset uses.
    const policy = retryPolicies.inhand!;
    expect(policy.retryOnUnreachable).toBe(false);
    expect(policy.retryDelaysMs).toEqual([10_000, 10_000, 10_000]);
    expect(vendors['inhand-dm'].retryPolicy.label).toBe('InHand (3 retries 10 s apart on timeouts and network errors; none when the receiver is unreachable)');
  });
});

const options = (properties: INodeProperties[]) => (property(properties, 'options').options ?? []) as INodeProperties[];

describe('trigger texts match what the triggers do', () => {
  const inhand = new InHandDeviceManagerTrigger();
  const secret = 'editor-texts-secret';
  async function send(parameters: Record<string, unknown>, type: string) {
    const body = { ...vendors['inhand-dm'].samples['offline'], alertType: type };
    const signed = sign({ vendor: 'inhand-dm', body, secret });
    const h = webhookContext({ nodeType: inhand, parameters, credentials: { inHandWebhookApi: { secret } }, request: { body: signed.body, headers: signed.headers } });
    const result = await inhand.webhook.call(h.context);
    return { answer: webhookAnswer(h, result), outputs: result.workflowData };
  }

  it('Alert Types says where an unchosen type goes, and it goes there', async () => {
    const tooltip = property(inhand.description.properties, 'eventTypes').description!;
    expect(tooltip).toContain('Types not chosen: with "One Output per Alert Type" on, they start the workflow on its "Other" output; with it off, they are answered 200 and start nothing.');
    // On: an unchosen type starts the workflow on "Other" (the last output).
    const routed = await send({ eventTypes: ['offline'], routeByType: true }, 'online');
    expect(routed.outputs).toHaveLength(2);
    expect(routed.outputs![1]![0]!.json.type).toBe('online');
    expect(routed.outputs![0]).toEqual([]);
    // Off: answered 200, nothing started.
    const ignored = await send({ eventTypes: ['offline'], routeByType: false }, 'online');
    expect(ignored.answer.status).toBe(200);
    expect(ignored.outputs).toBeUndefined();
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('Types not chosen: with **One Output per Type** on, they start the workflow on its **Other** output; with it off, they are answered 200 and start nothing.');
  });

  it('offers Timestamp Tolerance only where the scheme signs a timestamp', () => {
    const names = (node: { description: { properties: INodeProperties[] } }) => options(node.description.properties).map((o) => o.name);
    expect(names(inhand)).not.toContain('toleranceSeconds');
    expect(names(new InCloudManagerTrigger())).not.toContain('toleranceSeconds');
    expect(names(new ScalefusionTrigger())).not.toContain('toleranceSeconds');
    expect(names(new StandardWebhooksTrigger())).toContain('toleranceSeconds');
    const hmac = options(new HmacWebhookTrigger().description.properties).find((o) => o.name === 'toleranceSeconds');
    expect(hmac?.description).toContain('When the credential signs timestamp.body');
  });

  it('words duplicate detection for InHand: its _id, and what happens to an alert without one', async () => {
    const option = options(inhand.description.properties).find((o) => o.name === 'refuseReplays')!;
    expect(option.description).toContain('an alert whose _id was received before');
    expect(option.description).toContain('an alert without an _id cannot be checked and is refused with 401 "message_id_missing"');
    // And that is what happens.
    const body = { ...vendors['inhand-dm'].samples['offline'] } as Record<string, unknown>;
    delete body['_id'];
    const signed = sign({ vendor: 'inhand-dm', body, secret });
    const h = webhookContext({ nodeType: inhand, parameters: { options: { refuseReplays: true } }, credentials: { inHandWebhookApi: { secret } }, request: { body: signed.body, headers: signed.headers } });
    const answer = webhookAnswer(h, await inhand.webhook.call(h.context));
    expect(answer.status).toBe(401);
    expect((answer.body as { code: string }).code).toBe('message_id_missing');
  });
});
