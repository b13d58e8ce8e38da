/**
 * What the n8n node panels say, read from the node descriptions a user sees: retry presets and trigger
 * options that match what the nodes do.
 */
import { describe, expect, it } from 'vitest';
import type { INodeProperties } from 'n8n-workflow';
import { retryPolicies, vendors } from '../../shared/src/index';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';

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
