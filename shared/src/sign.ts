/**
 * `sign`: the exact bytes and headers a vendor would send, for emulating a vendor or forwarding signed.
 * Pure module.
 */
import { pythonJsonDumps } from './json/lossless-json';
import type { SignOptions, VendorProfile } from './types';
import { DeliveryError } from './delivery/errors';
import { getVendor, vendorIds } from './vendors/index';

/** Input of {@link sign}. */
export interface SignInput {
  vendor: string;
  /** An object is serialized as the vendor does (InHand and Scalefusion Python-style); text or bytes are sent as they are. */
  body: unknown;
  secret: string;
  options?: SignOptions;
}

/** What to send: the body bytes and the headers, named as the vendor names them. */
export interface SignedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Signs a body with a vendor's scheme. `verify(sign(x))` holds for every vendor.
 *
 * @throws {@link DeliveryError} `config` on an unknown vendor, an empty secret or scheme settings that cannot
 *   work (`invalid_header` for a bad header name or prefix), `invalid_body` for a body the scheme cannot sign.
 * @example
 * const { body, headers } = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples.offline, secret: 's3cret' });
 * await fetch(url, { method: 'POST', body, headers });
 */
export function sign(input: SignInput): SignedRequest {
  const profile = getVendor(String(input.vendor));
  if (!profile) throw new DeliveryError('config', `Unknown vendor "${String(input.vendor)}"; use one of: ${vendorIds.join(', ')}.`);
  if (typeof input.secret !== 'string' || input.secret === '') throw new DeliveryError('config', `sign() needs a secret for ${profile.label}.`);
  const options = input.options ?? {};
  return signText(profile, serializeBody(profile, input.body), isSerializedByUs(input.body), input.secret, options);
}

/** True when {@link serializeBody} produced the text from a value (rather than taking text as given). */
export function isSerializedByUs(body: unknown): boolean {
  return typeof body !== 'string' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array);
}

/**
 * Signs body text already serialized by {@link serializeBody}: what `deliver()` calls on every attempt,
 * so the body is serialized once per delivery, not once per attempt.
 */
export function signText(profile: VendorProfile, text: string, textIsVendorForm: boolean, secret: string, options: SignOptions): SignedRequest {
  const signed = profile.scheme.sign({ text, textIsVendorForm, secret, options, nowMs: options.now ?? Date.now() });
  return { body: Buffer.from(signed.text, 'utf8'), headers: signed.headers };
}

/**
 * The body text a vendor sends: an object serialized as the vendor does (Python json.dumps style or
 * compact), a string or bytes as they are.
 * @throws {@link DeliveryError} `invalid_body` when the body cannot be serialized to JSON.
 */
export function serializeBody(profile: Pick<VendorProfile, 'bodyStyle'>, body: unknown): string {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const json = JSON.stringify(body);
  if (json === undefined) throw new DeliveryError('invalid_body', 'The body cannot be serialized to JSON.');
  return profile.bodyStyle === 'python' ? pythonJsonDumps(json) : json;
}
