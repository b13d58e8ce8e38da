/** The parameters every DeviceHook trigger shows, built from its vendor's profile and catalogue. */
import type { INodeProperties } from 'n8n-workflow';
import { clockWindowOf, DEFAULT_TOLERANCE_SECONDS, getVendor, type VendorId } from '../core';

/** How each vendor's message ID is named where it is not "message ID" (the field the duplicate check reads). */
const MESSAGE_ID_NAMES: Partial<Record<VendorId, string>> = {
	'inhand-dm': '_id',
	'incloud-manager': '_id',
	'standard-webhooks': 'webhook-id header',
};

export interface TriggerPropertiesInput {
	vendor: VendorId;
	/** "Alert" for InHand, "Event" elsewhere: the vendor's own word. */
	noun: 'Alert' | 'Event';
	/** Properties that come first (e.g. EdgeSense's and 1NCE's registration settings). */
	leading?: INodeProperties[];
	/** Properties added to the Options collection (e.g. generic HMAC's type field). */
	extraOptions?: INodeProperties[];
}

/** The parameters of a vendor trigger, built from the vendor's catalogue. */
export function triggerProperties(input: TriggerPropertiesInput): INodeProperties[] {
	const profile = getVendor(input.vendor);
	const catalogue = profile?.eventTypes ?? [];
	const noun = input.noun;
	const duplicates = profile?.duplicates;
	const horizonHours = Math.round(((duplicates?.horizonSeconds ?? 3600) / 3600) * 10) / 10;
	const retryMs = (profile?.retryPolicy.retryDelaysMs ?? []).reduce((sum, delay) => sum + delay, 0);
	const retrySpan = retryMs === 0 ? 'no retries' : retryMs >= 3_600_000 ? `about ${Math.round(retryMs / 360_000) / 10} h` : `about ${Math.ceil(retryMs / 60_000)} min`;
	// What happens to a type not chosen (test/n8n/editor-texts.test.ts checks this against the handler).
	const unchosen = `Types not chosen: with "One Output per ${noun} Type" on, they start the workflow on its "Other" output; with it off, they are answered 200 and start nothing`;
	const clock = clockWindowOf(input.vendor);
	const idName = MESSAGE_ID_NAMES[input.vendor] ?? 'message ID';
	// The vendor's own wait for an answer (profile data): documented for EdgeSense (3 s) and 1NCE (20 s), assumed elsewhere.
	const deadline = profile?.answerDeadline;
	const wait = deadline ? `${profile?.label ?? 'The sender'} waits ${deadline.ms / 1000} s for an answer${deadline.documented ? '' : ' (assumed: not documented)'}` : 'The sender waits a few seconds for an answer';
	const typesProperty: INodeProperties =
		catalogue.length > 0
			? {
					displayName: `${noun} Types`,
					name: 'eventTypes',
					type: 'multiOptions',
					options: catalogue.map((entry) => ({ name: entry.label, value: entry.value, description: entry.description })),
					default: [],
					description: `The ${noun.toLowerCase()} types to start the workflow for; none chosen means all, including types the vendor adds later. ${unchosen}.`,
				}
			: {
					displayName: `${noun} Types`,
					name: 'eventTypes',
					type: 'string',
					default: '',
					placeholder: 'invoice.paid, invoice.failed',
					description: `Comma-separated ${noun.toLowerCase()} types to start the workflow for; empty means all. ${unchosen}.`,
				};
	return [
		...(input.leading ?? []),
		typesProperty,
		{
			displayName: `One Output per ${noun} Type`,
			name: 'routeByType',
			type: 'boolean',
			default: false,
			description: `Whether to give the node one output per chosen ${noun.toLowerCase()} type (per catalogued type when none are chosen) plus "Other", so you can branch on the type without a Switch. With this on, types you did not choose leave by "Other".`,
		},
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			options: [
				{
					name: 'Normalized Event',
					value: 'event',
					description: 'The same fields for every vendor: type, device, time, message, and the vendor body under "raw"',
				},
				{
					name: 'Raw Body',
					value: 'body',
					description: `The body ${profile?.label ?? 'the sender'} sent, parsed as n8n parses every item: integers past 2^53 lose digits, 1.0 becomes 1 and integer-like keys move first. For the exact text, add the option Include Body Text.`,
				},
			],
			default: 'event',
		},
		{
			displayName: 'Answer',
			name: 'answer',
			type: 'options',
			options: [
				{
					name: 'At Once',
					value: 'onReceived',
					description: 'Answer 200 {"received":true,"type":…} as soon as the request is checked, before the workflow runs',
				},
				{
					name: 'When the Workflow Has Finished',
					value: 'lastNode',
					description: 'Answer when the workflow has finished: 200 if it succeeded, 500 if a node failed, so the vendor delivers it again',
				},
			],
			default: 'onReceived',
			description: 'When the sender gets its answer. Refused requests, ignored types and duplicates are always answered at once.',
		},
		{
			displayName: `n8n answers when the workflow has finished: 200 with an empty body if it succeeded; if a node failed, n8n's own 500 {"message":"Error in workflow"} (n8n lets no node choose that status or body), so the vendor retries. n8n waits as long as the workflow runs: no node can set an answer timeout. ${wait}: keep the workflow shorter, or answer at once. With Detect Duplicate Messages on, a retry after a failure is answered "duplicate" and starts nothing.`,
			name: 'answerNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { answer: ['lastNode'] } },
		},
		{
			displayName: 'Accept Unauthenticated Requests',
			name: 'allowUnauthenticated',
			type: 'boolean',
			default: false,
			description:
				'Whether to start the workflow for every request, unchecked, while the credential has no secret. Off: without a secret every request is refused (503) with a message saying what to set.',
		},
		{
			displayName:
				'Anyone who knows this webhook URL can start the workflow with any request while the credential has no secret. Use this only while setting up, or behind a network that only the vendor can reach; enter the secret as soon as you have it.',
			name: 'unauthenticatedWarning',
			type: 'notice',
			default: '',
			displayOptions: { show: { allowUnauthenticated: [true] } },
		},
		{
			displayName: 'Allow Unsigned Requests',
			name: 'allowUnsigned',
			type: 'boolean',
			default: false,
			description: 'Whether to start the workflow for requests that carry no signature at all. Requests that do carry one are still checked.',
		},
		{
			displayName:
				'Anyone who knows this webhook URL can now start the workflow with requests that carry no signature. Turn this on only while setting up, or behind a network that only the vendor can reach.',
			name: 'unsignedWarning',
			type: 'notice',
			default: '',
			displayOptions: { show: { allowUnsigned: [true] } },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				// Only where the vendor publishes the addresses its webhooks come from (1NCE does).
				...(profile?.sourceAddresses?.length
					? [
							{
								displayName: "Allow the Vendor's Published Addresses",
								name: 'vendorSources',
								type: 'boolean',
								default: true,
								description: `Whether to take requests from the addresses ${profile.label} publishes for its webhooks (${profile.sourceAddresses.join(', ')}), besides any Allowed Sources. Requests from anywhere else are refused with 403 "source_not_allowed".`,
							} satisfies INodeProperties,
						]
					: []),
				{
					displayName: 'Allowed Sources',
					name: 'allowedSources',
					type: 'string',
					default: '',
					placeholder: 'e.g. 52.29.71.11, 10.0.0.0/8, 2001:db8::/32',
					description:
						'Comma-separated IP addresses or CIDR ranges (IPv4 or IPv6) that may send; empty means any. Requests from other addresses are refused with 403 "source_not_allowed" before their body is checked. The address is the one n8n reports for the request: behind a reverse proxy that is the proxy\'s, unless N8N_PROXY_HOPS tells n8n how many proxies to trust for X-Forwarded-For.',
				},
				{
					displayName: 'Detect Duplicate Messages',
					name: 'refuseReplays',
					type: 'boolean',
					default: false,
					description: `Whether to answer ${noun === 'Alert' ? 'an alert' : 'an event'} whose ${idName} was received before with 200 "duplicate" and start nothing, so the sender stops retrying (IDs are kept in the workflow, as hashes, not in one n8n process). With this on, ${noun === 'Alert' ? 'an alert' : 'an event'} without ${idName === 'message ID' ? 'a message ID' : idName.startsWith('_') ? `an ${idName}` : `a ${idName}`} cannot be checked and is refused with 401 "message_id_missing"${duplicates?.onByDefault ? '. Standard Webhooks triggers do this unless the option is added and off: the spec asks for it' : ''}.`,
				},
				{
					displayName: 'Duplicate Window (Hours)',
					name: 'duplicateHorizonHours',
					type: 'number',
					typeOptions: { minValue: 0, numberPrecision: 1 },
					default: 0,
					description: `How long message IDs are remembered for duplicate detection; 0 means ${horizonHours} h, enough for ${profile?.label ?? 'the sender'}, which retries for ${retrySpan}`,
				},
				{
					displayName: 'Include Body Text',
					name: 'includeBodyText',
					type: 'boolean',
					default: false,
					description:
						'Whether to add the body exactly as received, as text, under "bodyText". To forward the alert unchanged, use bodyText (in an expression) as the Signed Webhook\'s Raw Text body: the parsed item would change big integers, 1.0 and key order.',
				},
				{
					displayName: 'Include Headers',
					name: 'includeHeaders',
					type: 'boolean',
					default: false,
					description:
						'Whether to add the request headers to the output, under "headers". Headers that carry a secret (the signature or authentication header, Authorization, Proxy-Authorization, Cookie) are left out.',
				},
				{
					displayName: 'Maximum Body Size (KiB)',
					name: 'maxBodyKiB',
					type: 'number',
					typeOptions: { minValue: 1 },
					default: 1024, // DEFAULT_MAX_BYTES, which applies when the option is not added (test/n8n/triggers.test.ts checks they agree)
					description: 'Larger requests are refused with 413 before they are hashed or parsed',
				},
				{
					displayName: 'Strict Schema',
					name: 'strictSchema',
					type: 'boolean',
					default: false,
					description: 'Whether to refuse bodies with fields the vendor schema does not know (vendors add fields, so this is off by default)',
				},
				// Only where the vendor's scheme signs a timestamp (the core finds out from the scheme itself).
				...(clock === 'never'
					? []
					: [
							{
								displayName: 'Timestamp Tolerance (Seconds)',
								name: 'toleranceSeconds',
								type: 'number',
								typeOptions: { minValue: 1 },
								default: DEFAULT_TOLERANCE_SECONDS,
								description:
									clock === 'always'
										? 'How far the signed timestamp may be from now, either way'
										: 'When the credential signs timestamp.body: how far the signed timestamp may be from now, either way',
							} satisfies INodeProperties,
						]),
				...(input.extraOptions ?? []),
			],
		},
	];
}
