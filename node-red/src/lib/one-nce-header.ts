/** The header 1NCE must send so that a devicehook receiver with this vendor configuration accepts it. */
import { getVendor, isSafeHeaderValue, isValidHeaderName } from '@devicehook/core';
import type { VendorConfigNode } from './vendor-config';

/** `{name: value}` from the vendor configuration's header name (else the 1NCE scheme's default) and current secret, or a reason it cannot be. */
export function receiverHeader(vendor: VendorConfigNode): { headers: Record<string, string> } | { problem: string } {
  const name = vendor.schemeOptions.header?.trim() || (getVendor('1nce')?.scheme.defaults?.header ?? '');
  const value = vendor.secrets()[0] ?? '';
  if (!isValidHeaderName(name)) return { problem: `"${name}" is not a valid header name: fix the header in the devicehook vendor configuration.` };
  if (value === '' || !isSafeHeaderValue(value)) {
    return { problem: 'The devicehook vendor configuration (1NCE) has no usable secret: enter the header value 1NCE should send (printable characters, no line breaks).' };
  }
  return { headers: { [name]: value } };
}
