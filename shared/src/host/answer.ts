/**
 * The one answer shape every host writes (n8n triggers, Node-RED `devicehook in`, the raw capture):
 *   refused   → the code's status, `{ code, message }`
 *   accepted  → 200 `{ received: true, type }`
 *   ignored   → 200 `{ received: true, ignored: true, message }` (a type the receiver does not take)
 *   duplicate → 200 `{ received: true, duplicate: true, message }` (the sender stops retrying; nothing starts)
 * Pure module.
 */
import { refuse } from '../results';
import type { NormalizedEvent, VerifyFailure, VerifyFailureCode } from '../types';

/** What a host writes back: status, JSON body, headers. */
export interface HostAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** What the receiver decided about one request, with the answer to write. */
export type Decision =
  | {
      kind: 'accepted';
      event: NormalizedEvent;
      authentication: 'verified' | 'unsigned_allowed' | 'no_secret';
      /** The output the event leaves by: its chosen type's index, or the last ("other"). */
      output: number;
      answer: HostAnswer;
    }
  | { kind: 'ignored'; event: NormalizedEvent; message: string; answer: HostAnswer }
  | { kind: 'duplicate'; code: 'duplicate'; message: string; answer: HostAnswer }
  | { kind: 'refused'; code: Exclude<VerifyFailureCode, 'duplicate'>; status: number; message: string; answer: HostAnswer };

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

function answer(status: number, body: Record<string, unknown>): HostAnswer {
  return { status, body, headers: { ...JSON_HEADERS } };
}

/** The decision (and answer) for a core result that is not an accepted event. */
export function decisionOfFailure(failure: VerifyFailure): Decision {
  if (failure.code === 'duplicate') {
    return { kind: 'duplicate', code: 'duplicate', message: failure.message, answer: answer(200, { received: true, duplicate: true, message: failure.message }) };
  }
  return {
    kind: 'refused',
    code: failure.code,
    status: failure.status,
    message: failure.message,
    answer: answer(failure.status, { code: failure.code, message: failure.message }),
  };
}

/** The decision for a refusal by code and message (for host-side reasons, e.g. a node without its configuration). */
export function refusal(code: Exclude<VerifyFailureCode, 'duplicate'>, message: string): Decision {
  return decisionOfFailure(refuse(code, message));
}

export function accepted(event: NormalizedEvent, authentication: 'verified' | 'unsigned_allowed' | 'no_secret', output: number): Decision {
  return { kind: 'accepted', event, authentication, output, answer: answer(200, { received: true, type: event.type }) };
}

export function ignored(event: NormalizedEvent): Decision {
  const message = `${event.type} is not one of the types this receiver takes; nothing was started.`;
  return { kind: 'ignored', event, message, answer: answer(200, { received: true, ignored: true, message }) };
}

/** One line for a log: what happened to a request, without its body or secrets. */
export function describeDecision(decision: Decision): string {
  switch (decision.kind) {
    case 'accepted':
      return `accepted ${decision.event.type} (${decision.authentication})${decision.event.id ? ` id ${decision.event.id}` : ''}`;
    case 'ignored':
      return `ignored ${decision.event.type}: not a chosen type`;
    case 'duplicate':
      return `duplicate: ${decision.message}`;
    case 'refused':
      return `refused ${decision.status} ${decision.code}: ${decision.message}`;
  }
}
