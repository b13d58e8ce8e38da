/**
 * EdgeSense's scheme: HMAC-SHA256 in hex, a `signature` member in the body and (assumed) header
 * `X-EdgeSense-Signature`, computed over the body without its `signature` member, cut out losslessly; a
 * header signature over the raw bytes is accepted too. A configuration of `hmac-header.ts`. Pure module.
 */
import { decodeJsonString, topLevelMembers, withoutMember } from '../json/lossless-json';
import { DeliveryError } from '../delivery/errors';
import type { SignatureScheme } from '../types';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from './hmac-header';

const SIGNATURE_FIELD = 'signature';

function signatureMember(bodyText: string) {
  // No member can be named "signature" without those letters or an escape spelling them: no scan needed.
  if (!bodyText.includes(SIGNATURE_FIELD) && !bodyText.includes('\\')) return undefined;
  try {
    return topLevelMembers(bodyText)?.filter((member) => member.key === SIGNATURE_FIELD).pop();
  } catch {
    return undefined; // Malformed JSON: the header path, then the JSON check, report it.
  }
}

const config: HmacHeaderConfig = {
  algorithm: 'sha256',
  encoding: 'hex',
  header: 'X-EdgeSense-Signature',
  prefix: '',
  label: "EdgeSense's signature",
  readSignature(input) {
    const fromHeader = input.headers.all('x-edgesense-signature');
    if (fromHeader.length > 0) return fromHeader;
    const member = signatureMember(input.text);
    if (!member || input.text.charCodeAt(member.valueStart) !== 34) return [];
    return [decodeJsonString(input.text, member.valueStart, member.valueEnd)];
  },
  bodyForms(input) {
    const member = signatureMember(input.text);
    return member ? [withoutMember(input.text, member), input.rawBody] : [input.rawBody];
  },
};

export const edgesenseScheme: SignatureScheme = {
  description:
    'HMAC-SHA256 in hex over the body without its "signature" member, sent in header X-EdgeSense-Signature and in the body ' +
    '(header and placement assumed; a header signature over the raw bytes is accepted too).',
  signatureHeaders: () => ['x-edgesense-signature'],
  keepsMessageIdAcrossRetries: false,
  needsReplayProtection: false,
  settings: [],
  verify: (input) => verifyHmacHeader(input, config),
  sign({ text: bodyText, secret }) {
    const existing = signatureMember(bodyText);
    const unsigned = existing ? withoutMember(bodyText, existing) : bodyText;
    const mac = signHmacHeader(config, secret, unsigned);
    const members = topLevelMembers(unsigned);
    if (members === undefined) throw new DeliveryError('invalid_body', 'An EdgeSense body must be a JSON object.');
    const last = members[members.length - 1];
    // Insert right after the last value (or the opening brace), so cutting the member out restores `unsigned` exactly.
    const at = last ? last.valueEnd : unsigned.indexOf('{') + 1;
    const member = `${last ? ',' : ''}"${SIGNATURE_FIELD}":"${mac}"`;
    return {
      text: unsigned.slice(0, at) + member + unsigned.slice(at),
      headers: { 'Content-Type': 'application/json', 'X-EdgeSense-Signature': mac },
    };
  },
};
