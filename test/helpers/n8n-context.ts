/**
 * Mock n8n contexts for unit tests of the n8n nodes (vitest; only n8n-workflow is needed).
 *
 * Each builder returns a harness: `context` (pass it as `this`: `node.execute.call(h.context)`,
 * `trigger.webhookMethods.default.create.call(h.context)`, `trigger.webhook.call(h.context)`) plus what
 * the test inspects afterwards: `staticData`, `credentials` (updated in place when a token is refreshed,
 * as n8n saves it), `logger` (vi.fn spies), `http` (every outgoing request with its answer) and
 * `preAuthentications`; `webhookContext` adds `response` (what the node wrote to the client).
 *
 *   hookContext({ nodeType, parameters, credentials, staticData, webhookUrl })    → IHookFunctions
 *   executeContext({ nodeType, parameters, credentials, inputData, continueOnFail }) → IExecuteFunctions
 *   webhookContext({ nodeType, parameters, credentials, request: { body, headers } }) → IWebhookFunctions
 *   loadOptionsContext({ nodeType, parameters, credentials })                      → ILoadOptionsFunctions
 *
 * What behaves like n8n (n8n-core request-helpers/authentication.ts and the CLI's CredentialsHelper):
 *  - `helpers.httpRequest` really sends the request (fetch): baseURL + url, qs, JSON bodies for objects,
 *    Buffers and strings as they are, `auth` as Basic, `returnFullResponse`, `ignoreHttpStatusErrors`;
 *    answers that are JSON are parsed; a non-2xx answer throws an error shaped like axios's
 *    (`name` AxiosError, `response.status/data/headers`), so NodeApiError reads its status as in n8n.
 *  - `helpers.httpRequestWithAuthentication(type, options)`: reads the credential (with the defaults of
 *    its properties filled in), runs the credential class's `preAuthentication` when its hidden
 *    `expirable` property is empty, applies `authenticate` (function form, or the generic form with
 *    `={{$credentials.x}}` expressions resolved), sends; on a 401 runs `preAuthentication` again and
 *    retries once. Every failure is thrown as `NodeApiError(node, error)`, as n8n does.
 *  - `getNodeParameter(name, [itemIndex,] fallback)` reads `parameters` by path ("options.maxBodyKiB"),
 *    after filling in the defaults of the node type's visible properties (as n8n does when it loads a
 *    node); a parameter given as a function is called with the item index; a missing parameter without
 *    fallback throws "Could not get parameter".
 *
 * Credential classes are found in credentials/*.credentials.ts; pass `credentialTypes` to use others.
 */
/// <reference types="vite/client" />
import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { vi, type Mock } from 'vitest';

// ---------------------------------------------------------------------------------------------------
// Credential classes

const credentialModules = import.meta.glob('../../credentials/*.credentials.ts', { eager: true }) as Record<string, Record<string, unknown>>;

/** The last credential id handed out: every context's credentials get ids of their own. */
let credentialIds = 0;

/** Every credential class of the package, instantiated, by its `name` (e.g. `oneNceApi`). */
export function packageCredentialTypes(): Record<string, ICredentialType> {
	const types: Record<string, ICredentialType> = {};
	for (const module of Object.values(credentialModules)) {
		for (const exported of Object.values(module)) {
			if (typeof exported !== 'function') continue;
			try {
				const instance = new (exported as new () => ICredentialType)();
				if (instance && typeof instance.name === 'string' && Array.isArray(instance.properties)) types[instance.name] = instance;
			} catch {
				// not a credential class
			}
		}
	}
	return types;
}

// ---------------------------------------------------------------------------------------------------
// HTTP, as n8n's helpers do it

/** What an outgoing request looked like and how it was answered (status 0: no answer). */
export interface HttpCall {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: unknown;
	status: number;
	/** The credential type when sent through httpRequestWithAuthentication. */
	credentialType?: string;
}

/** Thrown for non-2xx answers and transport failures, shaped like axios's error (n8n uses axios). */
export class AxiosError extends Error {
	readonly isAxiosError = true;
	readonly status?: number;
	constructor(
		message: string,
		readonly code: string | undefined,
		readonly config: IHttpRequestOptions,
		readonly response?: { status: number; statusText: string; headers: Record<string, string>; data: unknown },
	) {
		super(message);
		this.name = 'AxiosError';
		this.status = response?.status;
	}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Uint8Array) && !(value instanceof URLSearchParams);
}

function requestUrl(options: IHttpRequestOptions): URL {
	let url = options.url;
	if (options.baseURL && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `${options.baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
	const target = new URL(url);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value === undefined || value === null) continue;
		if (Array.isArray(value)) for (const entry of value) target.searchParams.append(key, String(entry));
		else target.searchParams.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
	}
	return target;
}

/** `helpers.httpRequest`: sends the request, parses the answer, throws an AxiosError on non-2xx. */
export async function performHttpRequest(options: IHttpRequestOptions, log?: HttpCall[], credentialType?: string): Promise<unknown> {
	const method = (options.method ?? 'GET').toUpperCase();
	const target = requestUrl(options);
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(options.headers ?? {})) if (value !== undefined && value !== null) headers[key.toLowerCase()] = String(value);
	if (options.auth) headers.authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
	let body: string | Uint8Array<ArrayBuffer> | undefined;
	const given = options.body;
	if (given !== undefined && given !== null && !['GET', 'HEAD'].includes(method)) {
		if (Buffer.isBuffer(given) || given instanceof Uint8Array) body = new Uint8Array(given);
		else if (typeof given === 'string') body = given;
		else if (given instanceof URLSearchParams) {
			body = given.toString();
			headers['content-type'] ??= 'application/x-www-form-urlencoded';
		} else {
			body = JSON.stringify(given);
			headers['content-type'] ??= 'application/json';
		}
	}
	headers.accept ??= 'application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, image/*;q=0.8, */*;q=0.7';
	const call: HttpCall = { method, url: target.toString(), headers, body: given, status: 0, ...(credentialType ? { credentialType } : {}) };
	log?.push(call);

	let response: Response;
	try {
		response = await fetch(target, {
			method,
			headers,
			body,
			redirect: options.disableFollowRedirect ? 'manual' : 'follow',
			...(options.timeout ? { signal: AbortSignal.timeout(options.timeout) } : {}),
		});
	} catch (error) {
		const cause = (error as { cause?: { code?: string; message?: string } }).cause;
		throw new AxiosError(cause?.message ?? (error as Error).message, cause?.code ?? 'ERR_NETWORK', options);
	}
	call.status = response.status;
	const bytes = Buffer.from(await response.arrayBuffer());
	const responseHeaders: Record<string, string> = {};
	response.headers.forEach((value, key) => {
		responseHeaders[key] = value;
	});
	let data: unknown;
	if (options.encoding === 'arraybuffer') data = bytes;
	else {
		const text = bytes.toString('utf8');
		data = text;
		if (text !== '' && options.encoding !== 'text') {
			try {
				data = JSON.parse(text);
			} catch {
				data = text;
			}
		}
	}
	if ((response.status < 200 || response.status >= 300) && !options.ignoreHttpStatusErrors) {
		throw new AxiosError(`Request failed with status code ${response.status}`, response.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST', options, {
			status: response.status,
			statusText: response.statusText,
			headers: responseHeaders,
			data,
		});
	}
	if (options.returnFullResponse) return { body: data, headers: responseHeaders, statusCode: response.status, statusMessage: response.statusText };
	return data;
}

/** Resolves an n8n credential expression (`={{$credentials.token}}`, `=Bearer {{$credentials.token}}`). */
export function resolveCredentialExpression(value: unknown, credentials: ICredentialDataDecryptedObject): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const evaluate = (expression: string): unknown =>
		// Test code: n8n evaluates these with its own expression engine; plain JS covers what credentials use.
		new Function('$credentials', `return (${expression});`)(credentials) as unknown;
	const whole = /^\{\{([\s\S]*)\}\}$/.exec(template.trim());
	if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!);
	return template.replace(/\{\{([\s\S]*?)\}\}/g, (_, expression: string) => {
		const result = evaluate(expression);
		return result === undefined || result === null ? '' : typeof result === 'object' ? JSON.stringify(result) : String(result);
	});
}

/** The credential class's `authenticate`, applied as n8n's CredentialsHelper.authenticate does. */
export async function applyAuthenticate(
	type: ICredentialType | undefined,
	credentials: ICredentialDataDecryptedObject,
	options: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const authenticate = type?.authenticate;
	if (!authenticate) return options;
	if (typeof authenticate === 'function') return await authenticate(credentials, options);
	if (authenticate.type !== 'generic') return options;
	const result: IHttpRequestOptions = { ...options, headers: { ...(options.headers ?? {}) }, qs: { ...(options.qs ?? {}) } };
	for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
		for (const [key, value] of Object.entries((outerValue ?? {}) as Record<string, unknown>)) {
			const resolvedKey = String(resolveCredentialExpression(key, credentials));
			const resolvedValue = resolveCredentialExpression(value, credentials);
			const target = result as unknown as Record<string, Record<string, unknown> | undefined>;
			target[outerKey] = { ...(isPlainObject(target[outerKey]) ? target[outerKey] : {}), [resolvedKey]: resolvedValue };
		}
	}
	return result;
}

/** The credential's data with the defaults of its properties filled in (n8n's applyDefaultsAndOverwrites). */
export function withCredentialDefaults(type: ICredentialType | undefined, data: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject {
	const result: ICredentialDataDecryptedObject = {};
	for (const property of type?.properties ?? []) {
		if (property.type === 'notice') continue;
		if (property.default !== undefined) result[property.name] = structuredClone(property.default) as ICredentialDataDecryptedObject[string];
	}
	return { ...result, ...data };
}

// ---------------------------------------------------------------------------------------------------
// Parameters

function getPath(source: unknown, path: string): unknown {
	const parts = path.replace(/\[(\w+)\]/g, '.$1').split('.').filter(Boolean);
	let current: unknown = source;
	for (const part of parts) {
		if (current === null || current === undefined || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

function isShown(property: INodeProperties, parameters: Record<string, unknown>, typeVersion: number): boolean {
	const matches = (key: string, allowed: unknown): boolean => {
		if (!Array.isArray(allowed)) return true;
		const value = key === '@version' ? typeVersion : getPath(parameters, key.replace(/^\//, ''));
		return allowed.some((entry) => {
			if (typeof entry !== 'object' || entry === null) return entry === value;
			// n8n's display conditions ({ _cnd: { gte: 1.1 } }): the ones our nodes use; others count as met.
			const condition = (entry as { _cnd?: { gte?: number; lt?: number } })._cnd;
			if (condition?.gte !== undefined) return typeof value === 'number' && value >= condition.gte;
			if (condition?.lt !== undefined) return typeof value === 'number' && value < condition.lt;
			return true;
		});
	};
	const show = property.displayOptions?.show ?? {};
	const hide = property.displayOptions?.hide ?? {};
	return Object.entries(show).every(([key, allowed]) => matches(key, allowed)) && !Object.entries(hide).some(([key, allowed]) => Array.isArray(allowed) && matches(key, allowed));
}

/** The newest version a node type declares. */
const newestVersion = (nodeType: INodeType) => (Array.isArray(nodeType.description.version) ? Math.max(...nodeType.description.version) : nodeType.description.version);

/** The node's parameters with the defaults of its visible top-level properties (at `version`, default the newest) filled in. */
export function parametersWithDefaults(nodeType: INodeType | undefined, parameters: Record<string, unknown>, typeVersion?: number): Record<string, unknown> {
	const result: Record<string, unknown> = { ...parameters };
	if (!nodeType) return result;
	const version = typeVersion ?? newestVersion(nodeType);
	for (let pass = 0; pass < 3; pass++) {
		let changed = false;
		for (const property of nodeType.description.properties) {
			if (property.type === 'notice' || property.name in result) continue;
			if (!isShown(property, result, version)) continue;
			result[property.name] = structuredClone(property.default);
			changed = true;
		}
		if (!changed) break;
	}
	return result;
}

// ---------------------------------------------------------------------------------------------------
// The harness

export interface LoggerSpy {
	debug: Mock;
	info: Mock;
	warn: Mock;
	error: Mock;
	/** Every message logged (at one level, or at any). */
	messages(level?: 'debug' | 'info' | 'warn' | 'error'): string[];
}

export interface ContextOptions {
	/** The node type under test: names the node, and its property defaults fill in missing parameters. */
	nodeType?: INodeType;
	/** Node parameters as in workflow JSON; a function value is called with the item index. */
	parameters?: Record<string, unknown>;
	/** Credential data by credential type name; updated in place when a token is refreshed. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Credential classes by name (default: every class in credentials/). */
	credentialTypes?: Record<string, ICredentialType>;
	/** getWorkflowStaticData('node'); share one object between contexts to carry state across calls. */
	staticData?: IDataObject;
	/** getWorkflowStaticData('global'). */
	globalStaticData?: IDataObject;
	/** getNodeWebhookUrl(name): a string for 'default', or a map by webhook name. */
	webhookUrl?: string | Record<string, string>;
	/** Overrides for the INode (name, webhookId, …). */
	node?: Partial<INode>;
	mode?: WorkflowExecuteMode;
	/** Extra or replaced context members, for anything this helper does not cover. */
	overrides?: Record<string, unknown>;
}

export interface Harness<T> {
	context: T;
	node: INode;
	parameters: Record<string, unknown>;
	staticData: IDataObject;
	globalStaticData: IDataObject;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	logger: LoggerSpy;
	/** Every request sent through the helpers, in order. */
	http: HttpCall[];
	/** Every time a credential's preAuthentication ran: the type and whether n8n had seen a 401. */
	preAuthentications: Array<{ credentialType: string; expired: boolean }>;
}

function createLogger(): LoggerSpy {
	const entries: Array<{ level: string; message: string }> = [];
	const spy = (level: string) => vi.fn((message: string) => void entries.push({ level, message: String(message) }));
	return {
		debug: spy('debug'),
		info: spy('info'),
		warn: spy('warn'),
		error: spy('error'),
		messages: (level) => entries.filter((entry) => level === undefined || entry.level === level).map((entry) => entry.message),
	};
}

function buildBase(options: ContextOptions) {
	const credentialTypes = options.credentialTypes ?? packageCredentialTypes();
	const credentials = options.credentials ?? {};
	const staticData = options.staticData ?? {};
	const globalStaticData = options.globalStaticData ?? {};
	const parameters = parametersWithDefaults(options.nodeType, options.parameters ?? {}, options.node?.typeVersion);
	const description = options.nodeType?.description;
	const node: INode = {
		id: 'node-under-test',
		name: description?.defaults.name ?? 'Node Under Test',
		type: `n8n-nodes-devicehook.${description?.name ?? 'nodeUnderTest'}`,
		typeVersion: options.nodeType ? newestVersion(options.nodeType) : 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		// Ids unique across contexts, as n8n's are across credentials: the triggers keep a read credential by its id.
		credentials: Object.fromEntries(Object.keys(credentials).map((type) => [type, { id: String(++credentialIds), name: `${type} (test)` }])),
		webhookId: 'test-webhook-id',
		...options.node,
	};
	const logger = createLogger();
	const http: HttpCall[] = [];
	const preAuthentications: Harness<unknown>['preAuthentications'] = [];

	const getCredentials = async (type: string): Promise<ICredentialDataDecryptedObject> => {
		const stored = credentials[type];
		if (!stored) throw new Error(`Node "${node.name}" does not have any credentials of type "${type}" set`);
		return withCredentialDefaults(credentialTypes[type], structuredClone(stored));
	};

	const httpRequest = async (requestOptions: IHttpRequestOptions) => await performHttpRequest(requestOptions, http);

	// CredentialsHelper.preAuthentication: only for credentials with a hidden expirable property.
	const preAuthenticate = async (data: ICredentialDataDecryptedObject, type: string, expired: boolean) => {
		const credentialType = credentialTypes[type];
		const expirable = credentialType?.properties.find((property) => property.type === 'hidden' && property.typeOptions?.expirable === true);
		if (!credentialType || !expirable || typeof credentialType.preAuthentication !== 'function') return undefined;
		if (data[expirable.name] !== '' && data[expirable.name] !== undefined && !expired) return undefined;
		preAuthentications.push({ credentialType: type, expired });
		const output = await credentialType.preAuthentication.call({ helpers: { httpRequest } } as never, data);
		if (output?.[expirable.name] === undefined) return undefined;
		if (credentials[type]) Object.assign(credentials[type]!, output); // n8n saves the new token in the credential
		return Object.assign(data, output);
	};

	// n8n-core httpRequestWithAuthentication.
	async function httpRequestWithAuthentication(type: string, requestOptions: IHttpRequestOptions, additional?: IAdditionalCredentialOptions) {
		const original = { ...requestOptions };
		let data: ICredentialDataDecryptedObject | undefined;
		try {
			data = additional?.credentialsDecrypted?.data ?? (await getCredentials(type));
			await preAuthenticate(data, type, false);
			const authenticated = await applyAuthenticate(credentialTypes[type], data, { ...original });
			return await performHttpRequest(authenticated, http, type);
		} catch (error) {
			const status = (error as { response?: { status?: number } }).response?.status;
			if (status === 401 && data !== undefined) {
				try {
					await preAuthenticate(data, type, true);
					const authenticated = await applyAuthenticate(credentialTypes[type], data, { ...original });
					return await performHttpRequest(authenticated, http, type);
				} catch (retryError) {
					throw new NodeApiError(node, retryError as JsonObject);
				}
			}
			throw new NodeApiError(node, error as JsonObject);
		}
	}

	const getNodeParameter = (name: string, itemIndex: number, args: unknown[]) => {
		let value = getPath(parameters, name);
		if (typeof value === 'function') value = (value as (index: number) => unknown)(itemIndex);
		if (value === undefined) {
			if (args.length > 0 && args[0] !== undefined) return args[0];
			throw new Error(`Could not get parameter "${name}"`);
		}
		return value;
	};

	const webhookUrl = (name: string) => {
		if (typeof options.webhookUrl === 'string') return name === 'default' ? options.webhookUrl : undefined;
		if (options.webhookUrl) return options.webhookUrl[name];
		return `http://localhost:5678/webhook/${node.webhookId}/webhook`;
	};

	const base = {
		logger,
		getNode: () => node,
		getCredentials,
		getCredentialsProperties: (type: string) => credentialTypes[type]?.properties ?? [],
		getWorkflowStaticData: (type: string) => (type === 'global' ? globalStaticData : staticData),
		getWorkflow: () => ({ id: 'workflow-under-test', name: 'Workflow under test', active: true }),
		getWorkflowSettings: () => ({}),
		getExecutionId: () => 'execution-under-test',
		getTimezone: () => 'UTC',
		getRestApiUrl: () => 'http://localhost:5678/rest',
		getInstanceBaseUrl: () => 'http://localhost:5678/',
		getInstanceId: () => 'instance-under-test',
		getNodeWebhookUrl: webhookUrl,
		getWebhookName: () => 'default',
		getChildNodes: () => [],
		getParentNodes: () => [],
		getKnownNodeTypes: () => ({}),
		isNodeFeatureEnabled: () => false,
		getExecutionContext: () => undefined,
		helpers: {
			httpRequest,
			httpRequestWithAuthentication,
			returnJsonArray: (items: IDataObject | IDataObject[]) => (Array.isArray(items) ? items : [items]).map((json) => ({ json })),
		},
	};
	const harness = { node, parameters, staticData, globalStaticData, credentials, logger, http, preAuthentications };
	return { base, harness, getNodeParameter };
}

function finish<T>(built: ReturnType<typeof buildBase>, context: Record<string, unknown>, overrides?: Record<string, unknown>): Harness<T> & { context: T } {
	const merged = { ...context, ...overrides };
	return { ...built.harness, context: merged as unknown as T };
}

/** A context for `webhookMethods.*.checkExists/create/delete` (IHookFunctions). */
export function hookContext(options: ContextOptions & { activationMode?: string } = {}): Harness<IHookFunctions> {
	const built = buildBase(options);
	return finish<IHookFunctions>(
		built,
		{
			...built.base,
			getMode: () => options.mode ?? 'trigger',
			getActivationMode: () => options.activationMode ?? 'activate',
			getWebhookDescription: (name: string) => options.nodeType?.description.webhooks?.find((webhook) => webhook.name === name),
			getNodeParameter: (name: string, ...args: unknown[]) => built.getNodeParameter(name, 0, args),
		},
		options.overrides,
	);
}

/** A context for `methods.loadOptions.*` (ILoadOptionsFunctions). */
export function loadOptionsContext(options: ContextOptions = {}): Harness<ILoadOptionsFunctions> {
	const built = buildBase(options);
	return finish<ILoadOptionsFunctions>(
		built,
		{
			...built.base,
			getNodeParameter: (name: string, ...args: unknown[]) => built.getNodeParameter(name, 0, args),
			getCurrentNodeParameter: (name: string) => getPath(built.harness.parameters, name),
			getCurrentNodeParameters: () => built.harness.parameters,
		},
		options.overrides,
	);
}

export interface ExecuteContextOptions extends ContextOptions {
	/** The items on the node's input (default: one empty item). */
	inputData?: INodeExecutionData[];
	/** The node's "On Error: Continue" setting. */
	continueOnFail?: boolean;
}

/** A context for `execute()` (IExecuteFunctions). */
export function executeContext(options: ExecuteContextOptions = {}): Harness<IExecuteFunctions> {
	const built = buildBase(options);
	const inputData = options.inputData ?? [{ json: {} }];
	return finish<IExecuteFunctions>(
		built,
		{
			...built.base,
			getMode: () => options.mode ?? 'manual',
			getInputData: () => inputData,
			continueOnFail: () => options.continueOnFail ?? false,
			getNodeParameter: (name: string, itemIndex: number, ...args: unknown[]) => built.getNodeParameter(name, itemIndex, args),
			getExecutionCancelSignal: () => undefined,
			onExecutionCancellation: () => undefined,
			isToolExecution: () => false,
			isStreaming: () => false,
			getNodeOutputs: () => [{ type: 'main' }],
			getNodeInputs: () => [{ type: 'main' }],
			sendMessageToUI: () => undefined,
			addExecutionHints: () => undefined,
			evaluateExpression: () => {
				throw new Error('evaluateExpression is not supported by the test context');
			},
			helpers: {
				...built.base.helpers,
				constructExecutionMetaData: (items: INodeExecutionData[], { itemData }: { itemData: unknown }) => items.map((item) => ({ ...item, pairedItem: itemData })),
			},
		},
		options.overrides,
	);
}

/** What the node wrote to the client through the response object. */
export interface RecordedResponse {
	statusCode: number;
	headers: Record<string, string>;
	body: unknown;
	ended: boolean;
}

export interface WebhookRequestInput {
	/** An object is sent as JSON; a string or Buffer as these exact bytes. */
	body?: unknown;
	headers?: Record<string, string>;
	method?: string;
	query?: Record<string, string>;
	/** Whether n8n already read the raw body (it does for JSON, text and form requests). Default true. */
	rawBodyRead?: boolean;
	/** The source address n8n's Express reports as `req.ip` (after N8N_PROXY_HOPS). Default 127.0.0.1. */
	ip?: string;
}

/**
 * What the sender gets, as n8n answers a webhook (onReceived, `responseData: ''` as our triggers declare):
 * what the node wrote itself when it returns `noWebhookResponse`, otherwise 200 with its `webhookResponse`.
 * Throws when the node both wrote an answer and left one to n8n, or did neither.
 */
export function webhookAnswer(h: WebhookHarness, result: IWebhookResponseData): { status: number; body: unknown } {
	if (result.noWebhookResponse === true) {
		if (!h.response.ended) throw new Error('noWebhookResponse without an answer written: the client would hang');
		return { status: h.response.statusCode, body: h.response.body };
	}
	if (h.response.ended) throw new Error('the node wrote an answer but left n8n to answer too');
	if (result.webhookResponse === undefined) throw new Error('no webhookResponse: n8n would answer with its own default body');
	return { status: 200, body: result.webhookResponse };
}

export interface WebhookHarness extends Harness<IWebhookFunctions> {
	response: RecordedResponse;
	request: Record<string, unknown> & { rawBody?: Buffer };
}

/** A context for `webhook()` (IWebhookFunctions), with an express-like request and a recording response. */
export function webhookContext(options: ContextOptions & { request?: WebhookRequestInput } = {}): WebhookHarness {
	const built = buildBase(options);
	const input = options.request ?? {};
	const bytes =
		input.body === undefined
			? Buffer.alloc(0)
			: Buffer.isBuffer(input.body)
				? input.body
				: typeof input.body === 'string'
					? Buffer.from(input.body, 'utf8')
					: Buffer.from(JSON.stringify(input.body), 'utf8');
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(input.headers ?? {})) headers[key.toLowerCase()] = value;
	if (input.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
	headers['content-length'] ??= String(bytes.length);
	let parsed: unknown = {};
	try {
		parsed = bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : {};
	} catch {
		parsed = bytes.toString('utf8');
	}
	const request: WebhookHarness['request'] = {
		method: input.method ?? 'POST',
		url: '/webhook/test-webhook-id/webhook',
		ip: input.ip ?? '127.0.0.1',
		headers,
		body: parsed,
		query: input.query ?? {},
		params: {},
		rawBody: input.rawBodyRead === false ? undefined : bytes,
		readRawBody: async () => {
			request.rawBody = bytes;
		},
		header: (name: string) => headers[name.toLowerCase()],
		get: (name: string) => headers[name.toLowerCase()],
	};
	const response: RecordedResponse = { statusCode: 200, headers: {}, body: undefined, ended: false };
	const responseObject = {
		status(code: number) {
			response.statusCode = code;
			return responseObject;
		},
		json(body: unknown) {
			response.headers['content-type'] = 'application/json';
			response.body = body;
			response.ended = true;
			return responseObject;
		},
		send(body?: unknown) {
			response.body = body;
			response.ended = true;
			return responseObject;
		},
		end(body?: unknown) {
			if (body !== undefined) response.body = body;
			response.ended = true;
			return responseObject;
		},
		setHeader(name: string, value: string) {
			response.headers[name.toLowerCase()] = String(value);
			return responseObject;
		},
		set(name: string, value: string) {
			return responseObject.setHeader(name, value);
		},
		header(name: string, value: string) {
			return responseObject.setHeader(name, value);
		},
		getHeader: (name: string) => response.headers[name.toLowerCase()],
		writeHead(code: number, extra?: Record<string, string>) {
			response.statusCode = code;
			for (const [key, value] of Object.entries(extra ?? {})) response.headers[key.toLowerCase()] = String(value);
			return responseObject;
		},
		get headersSent() {
			return response.ended;
		},
	};
	const harness = finish<IWebhookFunctions>(
		built,
		{
			...built.base,
			getMode: () => options.mode ?? 'webhook',
			getNodeParameter: (name: string, ...args: unknown[]) => built.getNodeParameter(name, 0, args),
			getRequestObject: () => request,
			getResponseObject: () => responseObject,
			getBodyData: () => parsed,
			getHeaderData: () => headers,
			getQueryData: () => request.query,
			getParamsData: () => ({}),
			evaluateExpression: () => {
				throw new Error('evaluateExpression is not supported by the test context');
			},
			nodeHelpers: { copyBinaryFile: async () => undefined },
		},
		options.overrides,
	);
	return { ...harness, response, request };
}
