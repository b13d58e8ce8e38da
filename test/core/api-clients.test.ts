/**
 * The EdgeSense and 1NCE API clients of the core, with the HTTP call passed in: what they send, what they
 * refuse before sending, and the errors a host gets.
 */
import { describe, expect, it } from 'vitest';
import { edgesenseApi, isApiError, oneNceApi, type ApiRequest, type ApiRequestOptions } from '../../shared/src/index';

/** A fake API: records every call and answers from `answer`, throwing what it returns as an Error. */
function fakeApi(answer: (options: ApiRequestOptions) => unknown) {
  const calls: ApiRequestOptions[] = [];
  const request: ApiRequest = async (options) => {
    calls.push(options);
    const result = answer(options);
    if (result instanceof Error) throw result;
    return result;
  };
  return { calls, request };
}

const httpFailure = (status: number, data?: unknown) => Object.assign(new Error(`Request failed with status code ${status}`), { response: { status, data } });

async function errorOf(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('EdgeSense API client', () => {
  it('registers a webhook with one JSON POST and returns its id', async () => {
    const api = fakeApi(() => ({ webhookId: 42, status: 'active' }));
    const registered = await edgesenseApi.registerWebhook(api.request, { url: 'https://n8n.example/hook', events: ['device.alert'], secret: 's' });
    expect(registered).toEqual({ webhookId: '42', status: 'active' });
    expect(api.calls).toEqual([{ json: true, method: 'POST', url: '/api/webhooks/register', body: { url: 'https://n8n.example/hook', events: ['device.alert'], secret: 's' } }]);
  });

  it('refuses a webhook id that would climb the API URL before sending anything', async () => {
    const api = fakeApi(() => undefined);
    const error = await errorOf(() => edgesenseApi.deleteWebhook(api.request, '%2e%2e'));
    expect(isApiError(error) && error.code).toBe('invalid_id');
    expect((error as Error).message).toContain('Nothing was sent');
    expect(api.calls).toEqual([]);
  });

  it('counts a webhook EdgeSense no longer knows (404) as deleted', async () => {
    const api = fakeApi(() => httpFailure(404));
    expect(await edgesenseApi.deleteWebhook(api.request, 'w 1')).toEqual({ webhookId: 'w 1', deleted: true, existed: false });
    expect(api.calls[0]?.url).toBe('/api/webhooks/w%201');
  });

  it('says what to check when EdgeSense refuses the API key', async () => {
    const error = await errorOf(() => edgesenseApi.listWebhooks(fakeApi(() => httpFailure(401)).request));
    expect(isApiError(error) && { code: error.code, status: error.status }).toEqual({ code: 'http_error', status: 401 });
    expect((error as Error).message).toMatch(/^Could not list the webhooks at EdgeSense: EdgeSense refused the API key \(HTTP 401\)\. Check the API key/);
  });

  it('shows an echoed secret as *** and hides URL userinfo', () => {
    expect(edgesenseApi.redactWebhook({ webhookId: '1', secret: 's3cr3t', url: 'https://u:p@example.com/x' })).toEqual({ webhookId: '1', secret: '***', url: 'https://***@example.com/x' });
  });
});

describe('1NCE API client', () => {
  it('follows pages until the last one', async () => {
    const api = fakeApi((options) => {
      const page = Number(options.qs?.page ?? 1);
      return { page, pageAmount: 2, items: [{ id: `i${page}`, name: `n${page}` }] };
    });
    const list = await oneNceApi.listIntegrations(api.request);
    expect(list.map((i) => i.id)).toEqual(['i1', 'i2']);
    expect(api.calls.map((c) => c.qs)).toEqual([undefined, { page: 2 }]);
  });

  it('refuses an update that changes nothing, before sending', async () => {
    const api = fakeApi(() => ({}));
    const error = await errorOf(() => oneNceApi.updateWebhookIntegration(api.request, 'abc', {}));
    expect(isApiError(error) && error.code).toBe('invalid_input');
    expect(api.calls).toEqual([]);
  });

  it('names the HTTPS rule when 1NCE refuses a plain-HTTP URL', async () => {
    const api = fakeApi(() => httpFailure(400, { message: 'invalid url' }));
    const error = await errorOf(() =>
      oneNceApi.createWebhookIntegration(api.request, { name: 'x', url: 'http://u:p@example.com/h', headers: { 'x-api-key': 'k' }, eventTypes: ['LOCATION'] }),
    );
    expect((error as Error).message).toContain('1NCE only delivers to HTTPS URLs, and "http://***@example.com/h" is not one.');
    expect((error as Error).message).not.toContain('u:p');
    expect(isApiError(error) && error.description).toBe('invalid url');
  });

  it('reports an unreachable API without a status', async () => {
    const error = await errorOf(() => oneNceApi.testIntegration(fakeApi(() => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })).request, 'abc'));
    expect(isApiError(error) && error.code).toBe('unreachable');
    expect(isApiError(error) && error.status).toBeUndefined();
  });
});
