/**
 * The id of a message we send: one per delivery, kept across its retries (and across a restart, in the
 * Node-RED outbox), so a receiver can drop a copy it already has. Standard Webhooks sends it as
 * `webhook-id`; every host logs deliveries under it. Pure module (node:crypto only).
 */
import { randomUUID } from 'node:crypto';

/** A new message id: `msg_` + 32 hex digits (the form Standard Webhooks senders use). The one place ids are minted. */
export function newMessageId(uuid: () => string = randomUUID): string {
  return `msg_${uuid().replace(/-/g, '')}`;
}
