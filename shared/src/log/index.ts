/** The receipt and delivery log's pure parts (see ./types). Pure module. */
export * from './types';
export { receiptEntry, receiptOutcome, deliveryEntry, capturePayload, redactHeaders, redactLoggedUrl, blankSecrets, DEFAULT_PAYLOAD_CAP, type ReceiptInput, type DeliveryLogInput } from './entry';
export { emptySummary, countEntry, addSummaries, presentSummary } from './summary';
export { parseLogFilter, matchesFilter, codeMatches, isEntryId, compareEntryIds, LogFilterError, DEFAULT_LIMIT, MAX_LIMIT } from './filter';
export { createWarnLimiter, refusalLine, refusalText, suppressedLine, WarnLimiterError, DEFAULT_WARN_WINDOW_MS, DEFAULT_WARN_LINES, DEFAULT_WARN_KEYS, type WarnLimiter, type WarnLimiterOptions, type WarnVerdict, type RefusalLineInput } from './warn-limit';
