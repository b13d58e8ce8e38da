/**
 * The HTTP call the core's API clients (`edgesenseApi`, `oneNceApi`) take, over Node's own `fetch`:
 * the base URL and the authentication of a `devicehook-api` config node. EdgeSense wants its API key in
 * a header; 1NCE wants a bearer token, fetched with HTTP Basic (the API user) from `/oauth/token`, kept in
 * memory only, and fetched once more when the API answers 401.
 *
 * A non-2xx answer rejects with an {@link HttpFailure} carrying the status and the API's error body, from
 * which the core's `httpStatusOf` / `apiErrorDetail` read them; a failed connection rejects with fetch's
 * own error (its `cause` says ECONNREFUSED, ENOTFOUND…). Nothing here logs, and no error carries a key,
 * a password or a token.
 */
import type { ApiRequest, ApiRequestOptions } from '@devicehook/core';

/** A non-2xx answer of a vendor API. */
export class HttpFailure extends Error {
  readonly statusCode: number;
  readonly response: { status: number; data: unknown };
  constructor(status: number, data: unknown) {
    super(`HTTP ${status}`);
    this.name = 'HttpFailure';
    this.statusCode = status;
    this.response = { status, data };
  }
}

/** How long one API call may take before it is abandoned. */
export const API_TIMEOUT_MS = 30_000;

export type ApiKind = 'edgesense' | '1nce';

/** The APIs' public base URLs, used when the config node leaves the field empty. */
export const DEFAULT_BASE_URLS: Record<ApiKind, string> = {
  edgesense: 'https://api.edgesense.io',
  '1nce': 'https://api.1nce.com/management-api',
};

export interface ApiSettings {
  api: ApiKind;
  /** e.g. https://api.edgesense.io or https://api.1nce.com/management-api; no trailing slash needed. */
  baseUrl: string;
  /** EdgeSense: the API key and the header it travels in (default X-API-Key). */
  apiKey?: string;
  headerName?: string;
  /** 1NCE: the Management API user. */
  username?: string;
  password?: string;
  timeoutMs?: number;
}

export function trimBase(baseUrl: string): string {
  return String(baseUrl ?? '').trim().replace(/\/+$/, '');
}

/** Why these settings cannot call the API (what to fill in), or undefined when they can. */
export function settingsProblem(settings: ApiSettings): string | undefined {
  const base = trimBase(settings.baseUrl);
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `"${base}" is not a URL: enter the API base URL in the devicehook API configuration.`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The API base URL must start with https://.';
  if (url.username || url.password) return 'Leave user and password out of the API base URL: enter them in their own fields.';
  if (settings.api === 'edgesense' && !settings.apiKey) return 'Enter the EdgeSense API key in the devicehook API configuration.';
  if (settings.api === '1nce' && (!settings.username || !settings.password)) return 'Enter the 1NCE API username and password in the devicehook API configuration.';
  return undefined;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function send(url: string, init: { method: string; headers: Record<string, string>; body?: string }, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  const data = await readBody(response);
  if (response.status < 200 || response.status >= 300) throw new HttpFailure(response.status, data);
  return data;
}

function urlOf(base: string, options: ApiRequestOptions): string {
  const url = new URL(`${base}${options.url}`);
  for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
  return url.toString();
}

/** The core's `ApiRequest` for these settings. One per config node: it keeps 1NCE's token between calls. */
export function createApiRequest(settings: ApiSettings): ApiRequest {
  const base = trimBase(settings.baseUrl);
  const timeoutMs = settings.timeoutMs ?? API_TIMEOUT_MS;
  let token: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const basic = Buffer.from(`${settings.username ?? ''}:${settings.password ?? ''}`).toString('base64');
    const answer = (await send(
      `${base}/oauth/token`,
      { method: 'POST', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials' }) },
      timeoutMs,
    )) as { access_token?: unknown } | undefined;
    if (typeof answer?.access_token !== 'string' || answer.access_token === '') throw new HttpFailure(401, { message: '1NCE issued no access token' });
    return answer.access_token;
  };
  const bearer = (fresh: boolean): Promise<string> => {
    if (fresh || !token) {
      token = fetchToken();
      token.catch(() => (token = undefined)); // a failed fetch is not kept: the next call tries again
    }
    return token;
  };

  return async (options) => {
    const call = async (auth: Record<string, string>) =>
      await send(
        urlOf(base, options),
        {
          method: options.method,
          headers: { Accept: 'application/json', ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...auth },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        },
        timeoutMs,
      );
    if (settings.api === 'edgesense') return await call({ [settings.headerName?.trim() || 'X-API-Key']: settings.apiKey ?? '' });
    const used = bearer(false);
    try {
      return await call({ Authorization: `Bearer ${await used}` });
    } catch (error) {
      if (!(error instanceof HttpFailure) || error.statusCode !== 401) throw error;
      // Expired or revoked: one new token, unless another call already fetched one meanwhile.
      const next = token !== used && token ? token : bearer(true);
      return await call({ Authorization: `Bearer ${await next}` });
    }
  };
}
