/**
 * HMAC computing and constant-time comparison. Pure module (only `node:crypto`, which n8n allows).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** HMAC of `content` with `key`, as bytes. */
export function hmac(algorithm: HmacAlgorithm, key: string | Buffer, content: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(content).digest();
}

/** Compares two MACs in constant time; different lengths compare unequal without leaking where. */
export function macEquals(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes a signature strictly: hex of the exact digest length (either case), or padded standard base64.
 * Returns undefined for anything else, so a signature in the wrong encoding is told apart from a wrong one.
 */
export function decodeSignature(text: string, encoding: SignatureEncoding, digestBytes: number): Buffer | undefined {
  if (encoding === 'hex') {
    return text.length === digestBytes * 2 && HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
  }
  if (text.length !== Math.ceil(digestBytes / 3) * 4 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Only the canonical spelling: Node ignores the unused bits of the last character, which would
  // otherwise give one MAC several accepted encodings.
  return bytes.length === digestBytes && bytes.toString('base64') === text ? bytes : undefined;
}

/** Guesses what a malformed signature is, to tell the user which setting is off. */
export function describeSignatureShape(text: string): string {
  if (text.length === 0) return 'an empty value';
  const eq = text.indexOf('=');
  if (/^[a-z0-9]+=/.test(text) && eq > 0 && eq < 10) return `a value with the prefix "${text.slice(0, eq + 1)}"`;
  if (HEX.test(text)) return `${text.length} hex characters`;
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(text) && /[-_]/.test(text)) return `${text.length} characters of base64url`;
  if (BASE64.test(text)) return `${text.length} characters of base64`;
  return `${text.length} characters that are neither hex nor base64`;
}

/** Encodes a MAC the way a scheme sends it. */
export function encodeSignature(mac: Buffer, encoding: SignatureEncoding): string {
  return mac.toString(encoding);
}
