/**
 * 1NCE signs nothing: the receiver authenticates it by static custom headers set on the integration
 * (e.g. `x-api-key`), compared in constant time. Pure module.
 */
import { createHash } from 'node:crypto';
import { macEquals } from '../mac';
import { refuse } from '../results';
import type { SchemeOptions, SignatureScheme } from '../types';

/** The header name when not given. */
const DEFAULTS = { header: 'x-api-key' } as const satisfies SchemeOptions;

function headerName(options: SchemeOptions): string {
  return options.header && options.header.trim() !== '' ? options.header.trim() : DEFAULTS.header;
}

/** Hashing both sides first gives equal lengths, so the comparison leaks neither content nor length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export const staticHeaderScheme: SignatureScheme = {
  description: 'No signature: a static header set on the integration (x-api-key by default), compared in constant time.',
  signatureHeaders: (options) => [headerName(options).toLowerCase()],
  keepsMessageIdAcrossRetries: false,
  needsReplayProtection: false,
  settings: ['header'],
  defaults: DEFAULTS,
  verify(input) {
    const name = headerName(input.options);
    const values = input.headers.all(name);
    if (values.length === 0) return { ok: false, unsigned: true };
    if (values.length > 1) return refuse('signature_malformed', `The ${name} header was sent ${values.length} times; send it once.`);
    const given = digest(values[0] as string);
    let matched = false;
    for (const secret of input.secrets) matched = macEquals(digest(secret), given) || matched;
    if (matched) return { ok: true };
    return refuse('signature_mismatch', `The ${name} header does not match the configured value.`, 'secret_or_body');
  },
  sign({ text, secret, options }) {
    return { text, headers: { 'Content-Type': 'application/json', [headerName(options)]: secret } };
  },
};
