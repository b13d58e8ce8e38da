/**
 * @devicehook/core/node — the parts with sockets and timers, for the CLI, Node-RED and plain Node.
 * n8n nodes do not import this entry point.
 */
import { deliver, type DeliveryInput, type DeliveryIO, type DeliveryResult } from '../delivery/deliver';
import { createNodeTransport, nodeSleep, type NodeTransportOptions } from './transport';

export { createNodeTransport, nodeSleep, type NodeTransport, type NodeTransportOptions } from './transport';
export { isBlockedAddress, isExplicitlyLocalHost } from './ssrf';
export {
  openOutbox,
  readLegacyOutbox,
  outboxFolder,
  shortHash,
  isInside,
  DEFAULT_OUTBOX_MAX_BYTES,
  DEFAULT_OUTBOX_MAX_ENTRIES,
  type Outbox,
  type OutboxEntry,
  type OutboxFs,
  type OutboxOptions,
  type OutboxPutResult,
} from './outbox';

/**
 * `deliver()` with the Node transport and real timers: one call for plain Node scripts.
 * @example
 * const result = await deliverWithNode({ config: { url, vendor: 'inhand-dm', secrets: 's' }, body: alert });
 */
export async function deliverWithNode(
  input: DeliveryInput,
  options: NodeTransportOptions & Omit<DeliveryIO, 'transport' | 'sleep'> = {},
): Promise<DeliveryResult> {
  const transport = createNodeTransport(options);
  try {
    return await deliver(input, { ...options, transport, sleep: nodeSleep });
  } finally {
    transport.close();
  }
}
export { openLogStore, logExists, logFolderName, removeLog, type FileLogStore, type LogStoreOptions } from './log-store';
export { openFileEndpointStore, type FileEndpointStore } from './endpoint-store';
