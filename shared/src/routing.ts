/**
 * Routing by event type, shared by the n8n and Node-RED adapters: one output per chosen type, then
 * "other" for every type not chosen (including types the vendor adds later). Pure module.
 */
import { getVendor, vendorIds } from './vendors/index';

/** The output an event of `type` leaves by: the index of its chosen type, or the last ("other"). */
export function outputIndexForType(chosenTypes: readonly string[], type: string): number {
  const index = chosenTypes.indexOf(type);
  return index === -1 ? chosenTypes.length : index;
}

/** Labels of the outputs for the chosen types, from the vendor's catalogue, then "other". */
export function outputLabelsFor(vendorId: string, chosenTypes: readonly string[]): string[] {
  const catalogue = getVendor(vendorId)?.eventTypes ?? [];
  return [...chosenTypes.map((type) => catalogue.find((entry) => entry.value === type)?.label ?? type), 'other'];
}

/** What an editor needs to offer vendor-aware dropdowns: every vendor with its catalogue and scheme. JSON-safe. */
export function editorCatalogue(): Array<{
  id: string;
  label: string;
  aliases: readonly string[];
  description: string;
  scheme: string;
  /** The scheme settings this vendor's scheme reads, so an editor shows only their fields. */
  settings: readonly string[];
  typeField: string;
  eventTypes: ReadonlyArray<{ value: string; label: string; description: string }>;
  retryPolicy: string;
}> {
  return vendorIds.map((id) => {
    const profile = getVendor(id)!;
    return {
      id,
      label: profile.label,
      aliases: profile.aliases,
      description: profile.description,
      scheme: profile.scheme.description,
      settings: profile.scheme.settings,
      typeField: profile.typeField,
      eventTypes: profile.eventTypes,
      retryPolicy: profile.retryPolicy.id,
    };
  });
}
