/**
 * The one error family of sending, as receiving has one result type: a {@link DeliveryError} with a
 * stable `code` and a message that says what to fix. Configuration codes are thrown before anything is
 * sent; transport codes by transports, and classified into an attempt's error class. Pure module.
 */
import type { AttemptErrorClass } from './retry-plan';

/** Failures below HTTP a transport reports; each is the attempt error class of the same name. */
export type TransportErrorCode = Exclude<AttemptErrorClass, 'http' | 'redirect'>;

/** Machine-readable reasons sending fails. */
export type DeliveryErrorCode =
  /** A setting that cannot work: unknown vendor or retry policy, method, timeout, secret, scheme settings. */
  | 'config'
  /** The target URL cannot be parsed, or is not http or https. */
  | 'invalid_url'
  /** A header name that is not a token, a value with CR, LF or NUL, or one that would override the scheme's or HTTP's own. */
  | 'invalid_header'
  /** The body cannot be serialized or signed the vendor's way. */
  | 'invalid_body'
  | TransportErrorCode;

const TRANSPORT_CODES: readonly TransportErrorCode[] = ['timeout', 'dns', 'refused', 'network', 'blocked', 'aborted'];

/**
 * Sending failed, or could not start. Recognised by `name` and `code` ({@link isDeliveryError}), never by
 * `instanceof`: the core is bundled into more than one entry point (the pure index,
 * `@devicehook/core/node`, n8n's bundle), so an error made by one copy of this class is not an instance of
 * another copy.
 */
export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  constructor(code: DeliveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.code = code;
  }
}

/** True for a {@link DeliveryError} from any copy of the core. */
export function isDeliveryError(error: unknown): error is DeliveryError {
  const e = error as { name?: unknown; code?: unknown } | null | undefined;
  return !!e && typeof e === 'object' && e.name === 'DeliveryError' && typeof e.code === 'string';
}

/**
 * The transport code an error carries (itself or up to two causes deep), from any copy of the core, or
 * undefined. Errors of earlier versions (`TransportError` with `errorClass` or `DEVICEHOOK_<CLASS>`)
 * are still read; an unknown class is not trusted.
 */
export function transportCodeOf(error: unknown): TransportErrorCode | undefined {
  type Shape = { name?: unknown; code?: unknown; errorClass?: unknown; cause?: unknown };
  for (let e = error as Shape | undefined, depth = 0; e && typeof e === 'object' && depth < 3; e = e.cause as Shape | undefined, depth++) {
    if (e.name === 'DeliveryError') {
      const found = TRANSPORT_CODES.find((c) => c === e?.code);
      if (found) return found;
      continue;
    }
    if (e.name !== 'TransportError') continue;
    const byCode = typeof e.code === 'string' && e.code.startsWith('DEVICEHOOK_') ? e.code.slice('DEVICEHOOK_'.length).toLowerCase() : undefined;
    const found = TRANSPORT_CODES.find((c) => c === e?.errorClass) ?? TRANSPORT_CODES.find((c) => c === byCode);
    if (found) return found;
  }
  return undefined;
}
