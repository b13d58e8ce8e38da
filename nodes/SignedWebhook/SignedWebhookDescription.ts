import type { INodeProperties } from 'n8n-workflow';
import { vendorIds, vendors, type VendorId } from '../shared/core';

const PRIVATE_TARGETS_DESCRIPTION =
	'Whether to send to private, loopback, link-local and cloud-metadata addresses (localhost, 10.x, 192.168.x, 169.254.169.254, fd00::/8, …). Turn on only for a receiver on your own network.';

const PRIVATE_TARGETS_NOTICE =
	'Private network targets are refused: a URL whose host is localhost or a private, loopback, link-local or metadata IP address is never sent to, and on n8n 2.41 or later host names are resolved and checked before each attempt. Not covered: a host name that resolves to a private address only after that check (DNS rebinding) and, on older n8n, any host name resolving to a private address. Set N8N_SSRF_PROTECTION_ENABLED=true for n8n to check every connection.';

/** Waits at least this long go out of the Retry output: n8n's Wait node keeps shorter waits in the process (Wait.node.ts). */
export const LONG_WAIT_SECONDS = 65;

/** The item field that carries a delivery's progress from the Retry output back into the node. */
export const RETRY_FIELD = 'devicehookRetry';

const RETRY_OUTPUT_NOTICE = `Connect the Retry output to a Wait node (Resume: At Specified Time, Date and Time: {{ $json.${RETRY_FIELD}.waitUntil }}) and the Wait node back to this node's input. n8n stores a waiting execution in its database and resumes it after a restart, on any worker. The item keeps its fields plus "${RETRY_FIELD}" (attempts so far, message ID), which this node reads to continue the schedule and leaves out of the body. Example: examples/n8n/signed-webhook-retry-survives-restart.json.`;

const SAMPLE_NOTICE =
	"To try a DeviceHook trigger: copy its Test URL into URL above, click Listen for Test Event on the trigger, then execute this node. Both credentials need the same secret. A test URL on this n8n is a private address: turn on Allow Private Network Targets. The sample is the vendor's documented example (docs/vendors.md), signed as the vendor signs.";

/** The Sample Event choice for one scheme: the types of its vendor's sample catalogue, by label. */
function sampleTypeParameter(vendor: VendorId): INodeProperties {
	const labels = new Map((vendors[vendor].eventTypes ?? []).map((entry) => [entry.value, entry.label]));
	const types = Object.keys(vendors[vendor].samples);
	const options = types
		.map((type) => ({ name: labels.get(type) ?? type, value: type, description: `Type "${type}"` }))
		.sort((a, b) => a.name.localeCompare(b.name));
	const parameter: INodeProperties = {
		displayName: 'Sample Event',
		name: 'sampleType',
		type: 'options',
		options,
		default: '',
		displayOptions: { show: { body: ['sample'], scheme: [vendor] } },
		description: `Which ${vendors[vendor].label} sample to send`,
	};
	parameter.default = types[0] ?? ''; // the catalogue's first sample
	return parameter;
}

/** The Signed Webhook node's fields, in editor order (the node class keeps its metadata and the execution). */
export const signedWebhookProperties: INodeProperties[] = [
	{
		displayName: 'Signature Scheme',
		name: 'scheme',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: '1NCE Cloud Integrator (Static Header)',
				value: '1nce',
				description: 'No signature: the header and value set in the 1NCE credential, as 1NCE sends them',
			},
			{
				name: 'EdgeSense.io',
				value: 'edgesense',
				description: 'HMAC-SHA256 hex in X-EdgeSense-Signature and in the body field "signature"',
			},
			{
				name: 'HMAC (Generic)',
				value: 'generic-hmac',
				description: 'The header, algorithm, encoding and prefix set in the credential (GitHub, Shopify and most others)',
			},
			{
				name: 'InHand Device Manager',
				value: 'inhand-dm',
				description: 'X-Signature: base64 HMAC-SHA256 over the body in Python-style JSON, as InHand sends it',
			},
			{
				name: 'InHand InCloud Manager',
				value: 'incloud-manager',
				description: 'X-Signature: base64 HMAC-SHA256 over the body in Python-style JSON, as InHand sends it',
			},
			{
				name: 'Scalefusion',
				value: 'scalefusion',
				description: 'X-SF-Signature: hex HMAC-SHA256 of the body',
			},
			{
				name: 'Standard Webhooks',
				value: 'standard-webhooks',
				description: 'Message ID, timestamp and v1 signature headers, as Svix and others send them',
			},
		],
		default: 'generic-hmac',
		description: 'How the request is signed: the receiver verifies it the same way',
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/webhooks/:iccid:',
		description:
			'Where to send the webhook. :iccid:, :imsi: and :ip: are filled from the item\'s "device" (or its top-level fields of those names), percent-encoded; a missing value becomes "none".',
	},
	{
		displayName: 'Allow Private Network Targets',
		name: 'allowPrivateNetworkTargets',
		type: 'boolean',
		noDataExpression: true,
		default: true,
		displayOptions: { show: { '@version': [1] } },
		description: PRIVATE_TARGETS_DESCRIPTION,
	},
	{
		displayName: 'Allow Private Network Targets',
		name: 'allowPrivateNetworkTargets',
		type: 'boolean',
		noDataExpression: true,
		default: false,
		displayOptions: { show: { '@version': [{ _cnd: { gte: 1.1 } }] } },
		description: PRIVATE_TARGETS_DESCRIPTION,
	},
	{
		displayName: PRIVATE_TARGETS_NOTICE,
		name: 'privateTargetsNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { allowPrivateNetworkTargets: [false] } },
	},
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		options: [
			{ name: 'PATCH', value: 'PATCH' },
			{ name: 'POST', value: 'POST' },
			{ name: 'PUT', value: 'PUT' },
		],
		default: 'POST',
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Item JSON',
				value: 'item',
				description: "The input item's JSON, serialized the way the scheme's vendor does",
			},
			{
				name: 'JSON',
				value: 'json',
				description: 'JSON you write or map; text is sent as written, an object the way the vendor serializes',
			},
			{
				name: 'Raw Text',
				value: 'text',
				description: 'Text sent byte for byte (with the JSON content type all schemes use)',
			},
			{
				name: 'Vendor Sample Event',
				value: 'sample',
				description: "A sample alert of the scheme's vendor, of the type you choose: to try a DeviceHook trigger on its test URL",
			},
		],
		default: 'item',
	},
	{
		displayName: SAMPLE_NOTICE,
		name: 'sampleNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { body: ['sample'] } },
	},
	...vendorIds.map(sampleTypeParameter),
	{
		displayName: 'JSON',
		name: 'jsonBody',
		type: 'json',
		default: '{}',
		displayOptions: { show: { body: ['json'] } },
		description: 'The body to send. To forward the body a DeviceHook trigger received, map its "raw" field here.',
	},
	{
		displayName: 'Text',
		name: 'textBody',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		displayOptions: { show: { body: ['text'] } },
		description: 'The body to send, exactly as written',
	},
	{
		displayName: 'Headers',
		name: 'headers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Header',
		default: {},
		description:
			'Extra headers; values may hold :iccid:, :imsi: and :ip:. The signature headers, Content-Type, Host and Content-Length are set by the node and cannot be overridden.',
		options: [
			{
				displayName: 'Header',
				name: 'header',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
	{
		displayName: 'Retry Policy',
		name: 'retryPolicy',
		type: 'options',
		options: [
			{
				name: '1NCE',
				value: '1nce',
				description: '5 attempts, retried after 150 s, 180 s, 420 s and 1020 s, as the 1NCE Cloud Integrator does (documented)',
			},
			{
				name: 'Custom',
				value: 'custom',
				description: 'Your own number of retries and delay',
			},
			{
				name: 'Default',
				value: 'default',
				description: '3 retries, after 10 s, 1 min and 6 min, on timeouts, network errors, 408, 425, 429 and 5xx',
			},
			{
				name: 'EdgeSense',
				value: 'edgesense',
				description: '5 retries, doubling from 10 s, as EdgeSense does (count documented, delays assumed)',
			},
			{
				name: 'InHand',
				value: 'inhand',
				description: '3 retries 10 s apart on timeouts and network errors (429 and 5xx assumed), as InHand Device Manager and InCloud Manager do (documented); none when the receiver is unreachable (connection refused, DNS failure)',
			},
			{
				name: 'No Retries',
				value: 'none',
				description: 'One attempt only',
			},
			{
				name: 'Scalefusion',
				value: 'scalefusion',
				description: 'Scalefusion documents no retries: one attempt',
			},
			{
				name: 'Standard Webhooks / Svix',
				value: 'standard-webhooks',
				description: 'Up to 8 attempts over about 28 hours: retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h',
			},
			{
				name: "The Scheme's Own",
				value: 'vendor',
				description: "The retry policy of the chosen scheme's vendor",
			},
		],
		// Not the scheme's own by default: the node waits inside the execution, and the Standard
		// Webhooks schedule alone would keep an n8n execution (and a queue-mode worker slot) for 28 hours.
		default: 'default',
		description:
			'When a failed attempt is tried again. 410 Gone and redirects are never retried. With Long Retry Waits inside the execution, the vendors\' long schedules keep it running for minutes (1NCE) or hours (Standard Webhooks); through the Retry Output, n8n keeps them across restarts.',
	},
	{
		displayName: 'Retries',
		name: 'customRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 50 },
		default: 3,
		displayOptions: { show: { retryPolicy: ['custom'] } },
		description: 'How many times to try again after the first attempt',
	},
	{
		displayName: 'Delay Before First Retry (Seconds)',
		name: 'customDelaySeconds',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 3 },
		default: 10,
		displayOptions: { show: { retryPolicy: ['custom'] } },
	},
	{
		displayName: 'Double the Delay Each Retry',
		name: 'customBackoff',
		type: 'boolean',
		default: true,
		displayOptions: { show: { retryPolicy: ['custom'] } },
		description: 'Whether each retry waits twice as long as the one before (otherwise every retry waits the same)',
	},
	{
		displayName: 'Long Retry Waits',
		name: 'retryWaits',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Inside the Execution',
				value: 'inline',
				description: 'The node waits between attempts; the execution (and a queue-mode worker) is held, and the retry is lost if n8n restarts',
			},
			{
				name: 'Through the Retry Output (Survives Restarts)',
				value: 'output',
				description: `A wait of ${LONG_WAIT_SECONDS} s or more ends this run: the item leaves on the Retry output, for a Wait node that leads back into this node. n8n keeps the wait in its database.`,
			},
		],
		default: 'inline',
		description: 'Where the node waits before a retry due in a minute or more',
	},
	{
		displayName: RETRY_OUTPUT_NOTICE,
		name: 'retryOutputNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { retryWaits: ['output'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Max Retry-After Wait (Seconds)',
				name: 'maxRetryAfterSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 3600,
				description: "The longest wait a receiver's Retry-After header can ask for",
			},
			{
				displayName: 'Message ID',
				name: 'messageId',
				type: 'string',
				default: '',
				displayOptions: { show: { '/scheme': ['standard-webhooks'] } },
				description:
					'The Standard Webhooks message ID to send, e.g. an event ID, so the receiver can recognise a message it already has. Empty: a new random ID per item, kept across its retries.',
			},
			{
				displayName: 'Re-Enable Stamp',
				name: 'reenableStamp',
				type: 'string',
				default: '',
				description:
					"Change this to a new value (any text, e.g. today's date) and save the workflow to re-enable the endpoints this node has disabled: the next run sends again. The 1NCE and EdgeSense retry policies disable an endpoint after a delivery that failed all its attempts (as the vendors do), and any policy after a 410 Gone. The state is kept in the workflow's static data, which n8n saves after production runs only.",
			},
			{
				displayName: 'Request ID Header',
				name: 'requestIdHeader',
				type: 'string',
				default: 'X-Request-ID',
				description: 'A header with a new UUID on every attempt, shown in the attempt log',
			},
			{
				displayName: 'Timeout',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 600000 },
				default: 15000,
				description: 'How long to wait for the receiver to answer each attempt, in milliseconds',
			},
		],
	},
];
