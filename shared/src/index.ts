/**
 * @devicehook/core — verify, sign, parse and normalize IoT and device-management webhooks.
 *
 * Every module re-exported here is pure in n8n's sense (no timers, no `process`, no globals; imports
 * only zod and `node:crypto`), so n8n community nodes can bundle it.
 */
export { verify, verifySignature, refuseUnreadableBody, invalidOptions, type SignatureCheck, DEFAULT_MAX_BYTES, DEFAULT_TOLERANCE_SECONDS, type VerifyInput } from './verify';
export { normalizeSecrets, usableSecrets, unresolvedVariable, secretsProblem, type UsableSecrets } from './secrets';
export {
  createReceiver,
  cleanTypes,
  describeDecision,
  refusal,
  DEFAULT_READ_TIMEOUT_MS,
  type Receiver,
  type ReceiverConfig,
  type ReceiverMode,
  type HostRequest,
  type Decision,
  type HostAnswer,
  parseSourceAllowList,
  sourceEntries,
  type SourceAllowList,
  answerModeSettings,
  processingAnswer,
  defaultProcessingTimeoutMs,
  DEFAULT_FAILURE_STATUS,
  DEFAULT_TIMEOUT_STATUS,
  DEADLINE_MARGIN_MS,
  type AnswerMode,
  type AnswerModeInput,
  type AnswerModeSettings,
  type ProcessingOutcome,
} from './host/index';
export { sign, type SignInput, type SignedRequest } from './sign';
export { fillPlaceholders, placeholderValuesOf, placeholdersOf, PLACEHOLDERS, type PlaceholderValues } from './placeholders';
export { pythonJsonDumps, compactJsonDumps, pythonFloatRepr, JsonSyntaxError, type ReserializeOptions } from './json/lossless-json';
export {
  createMemoryReplayStore,
  createRecordReplayStore,
  layeredReplayStore,
  scopedReplayStore,
  hostReplayStore,
  hashReplayKey,
  duplicateKey,
  REPLAY_ENTRY_BYTES,
  DEFAULT_MEMORY_REPLAY_BYTES,
  DEFAULT_RECORD_REPLAY_BYTES,
  type ReplayStoreBounds,
} from './replay-store';
export { vendors, vendorIds, getVendor } from './vendors/index';
export { standardWebhooksKey } from './schemes/standard-webhooks';
export { newMessageId } from './delivery/message-id';
export { headerLookup, isSafeHeaderValue, isValidHeaderName, safeHeaders, CREDENTIAL_HEADERS, type HeaderInput, type HeaderLookup } from './headers';
export {
  deliver,
  prepareDelivery,
  classifyTransportError,
  type DeliveryConfig,
  type PreparedDelivery,
  type DeliveryInput,
  type DeliveryIO,
  type DeliveryResult,
  type DeliveryAttempt,
  type DeliveryOutcome,
  type DeliveryProgress,
  type OutboundRequest,
  type TransportResponse,
  type Transport,
  type Sleep,
} from './delivery/deliver';
export { describeAttempt } from './delivery/attempt-line';
export { DeliveryError, isDeliveryError, type DeliveryErrorCode, type TransportErrorCode } from './delivery/errors';
export { redactUrl, redactUrlsIn, hasUserinfo } from './delivery/redact';
export {
  ApiError,
  isApiError,
  httpStatusOf,
  apiErrorDetail,
  unsafeIdReason,
  idSegment,
  type ApiErrorCode,
  type ApiObject,
  type ApiRequest,
  type ApiRequestOptions,
} from './api/http-errors';
/** The EdgeSense.io webhook API client; pass the HTTP call in (see `ApiRequest`). */
export * as edgesenseApi from './api/edgesense';
/** The 1NCE Cloud Integrator API client; pass the HTTP call in (see `ApiRequest`). */
export * as oneNceApi from './api/one-nce';
export { isPrivateHostLiteral, isIpLiteral } from './delivery/address-rules';
export { judgeAttempt, retryDelay, parseRetryAfter, retryPolicies, type AttemptErrorClass, type AttemptOutcome, type AttemptVerdict } from './delivery/retry-plan';
export { customRetryPolicy, NO_RETRIES, NON_2XX_STATUSES, TRANSIENT_STATUSES, type CustomRetryPolicyInput } from './delivery/retry-policies';
export { createMemoryEndpointStore, nextEndpointState, restartEndpoint, type EndpointState, type EndpointStateStore } from './delivery/endpoint-health';
export { serializeBody } from './sign';
export { forwardedBody, isNormalizedEvent } from './forwarding';
export { outputIndexForType, editorCatalogue, clockWindowOf, type ClockWindow } from './routing';
export type * from './types';
export * from './log/index';
