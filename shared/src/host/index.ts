/**
 * The host kit: what every webhook receiver host shares (see ./receiver.ts). Pure modules.
 */
export { createReceiver, cleanTypes, DEFAULT_READ_TIMEOUT_MS, type Receiver, type ReceiverConfig, type ReceiverMode, type HostRequest } from './receiver';
export { describeDecision, refusal, type Decision, type HostAnswer } from './answer';
export { parseSourceAllowList, sourceEntries, MAX_SOURCE_ENTRIES, type SourceAllowList } from './sources';
export {
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
} from './processing';
