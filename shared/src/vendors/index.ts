/**
 * The registry of vendor profiles. Adding a vendor means adding its file and one line here.
 */
import type { VendorId, VendorProfile } from '../types';
import { edgesense } from './edgesense';
import { genericHmac } from './generic-hmac';
import { incloudManager } from './incloud-manager';
import { inhandDm } from './inhand-dm';
import { oneNce } from './one-nce';
import { scalefusion } from './scalefusion';
import { standardWebhooks } from './standard-webhooks';

/** Every vendor profile by id. */
export const vendors: Readonly<Record<VendorId, VendorProfile>> = {
  'inhand-dm': inhandDm,
  'incloud-manager': incloudManager,
  edgesense,
  '1nce': oneNce,
  scalefusion,
  'standard-webhooks': standardWebhooks,
  'generic-hmac': genericHmac,
};

/** The vendor ids, in display order. */
export const vendorIds = Object.keys(vendors) as VendorId[];

/** The profile for an id, or undefined for an unknown one. */
export function getVendor(id: string): VendorProfile | undefined {
  return Object.prototype.hasOwnProperty.call(vendors, id) ? vendors[id as VendorId] : undefined;
}
