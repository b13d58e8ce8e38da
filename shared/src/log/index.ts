/** The receipt and delivery log's pure parts (see ./types). Pure module. */
export * from './types';
export { receiptEntry, receiptOutcome, deliveryEntry, capturePayload, redactHeaders, redactLoggedUrl, blankSecrets, DEFAULT_PAYLOAD_CAP, type ReceiptInput, type DeliveryLogInput } from './entry';
export { emptySummary, countEntry, addSummaries, presentSummary } from './summary';
export { parseLogFilter, matchesFilter, codeMatches, isEntryId, compareEntryIds, LogFilterError, DEFAULT_LIMIT, MAX_LIMIT } from './filter';
