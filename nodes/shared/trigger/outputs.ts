/**
 * A trigger's outputs: one per chosen event type plus "Other", as n8n's Switch does, when "One Output per
 * Type" is on; otherwise one. The editor draws them from an expression (`outputsExpression`), the handler
 * routes to them by the same list (`routedTypes`), so both live here.
 */
import { cleanTypes, getVendor, type VendorId } from '../core';

/**
 * Source of the function n8n evaluates (in the editor and the backend) to draw the trigger's outputs.
 * It is embedded as text, so it must be self-contained; it mirrors `routedTypes` + the core's
 * `outputIndexForType` below, which the unit tests check against each other.
 */
const OUTPUTS_FUNCTION = `function (parameter, catalogue) {
	if (!parameter.routeByType) return [{ type: 'main' }];
	var chosen = parameter.eventTypes;
	if (!Array.isArray(chosen)) chosen = String(chosen || '').split(',').map(function (t) { return t.trim(); }).filter(Boolean);
	if (chosen.length === 0) chosen = catalogue.map(function (entry) { return entry[0]; });
	var outputs = chosen.map(function (type) {
		var entry = catalogue.find(function (e) { return e[0] === type; });
		return { type: 'main', displayName: entry ? entry[1] : type };
	});
	outputs.push({ type: 'main', displayName: 'Other' });
	return outputs;
}`;

/** The trigger's `outputs`: an expression over its parameters, with the vendor's catalogue inlined. */
export function outputsExpression(vendor: VendorId): `={{${string}}}` {
	const catalogue = (getVendor(vendor)?.eventTypes ?? []).map((entry) => [entry.value, entry.label]);
	const source = `(${OUTPUTS_FUNCTION.replace(/\s+/g, ' ')})($parameter, ${JSON.stringify(catalogue)})`;
	return `={{${source}}}`;
}

/** The event types the outputs are drawn for: the chosen ones, or the whole catalogue when none are. */
export function routedTypes(vendor: VendorId, chosen: readonly string[]): string[] {
	return chosen.length > 0 ? [...chosen] : (getVendor(vendor)?.eventTypes ?? []).map((entry) => entry.value);
}

/** Reads the Event Types parameter: a list from the catalogue, or comma-separated text for open vendors (the core cleans it). */
export function chosenTypes(value: unknown): string[] {
	return cleanTypes(value);
}
