/**
 * The parts of Node-RED's runtime API these nodes use, typed narrowly (Node-RED ships no types of its own).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown; topic?: string };

/** One context scope (global, flow, node), through its asynchronous API, which every context store supports. */
export interface ContextScope {
  get(key: string, callback: (error: Error | null | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, callback: (error?: Error | null) => void): void;
}

export interface RedNode {
  id: string;
  name?: string;
  credentials: Record<string, string | undefined>;
  on(event: 'input', handler: (msg: NodeMessage, send: (msgs: Array<NodeMessage | null> | NodeMessage) => void, done: (error?: unknown) => void) => void): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): void;
  send(msgs: Array<NodeMessage | null> | NodeMessage): void;
  status(status: NodeStatus | Record<string, never>): void;
  log(message: string): void;
  warn(message: string): void;
  error(message: string, msg?: NodeMessage): void;
  context(): { global: ContextScope; flow: ContextScope } & ContextScope;
}

export interface ExpressLike {
  post(path: string, ...handlers: Array<(req: HttpRequest, res: HttpResponse, next: (error?: unknown) => void) => void>): void;
  get(path: string, ...handlers: Array<(req: HttpRequest, res: HttpResponse, next: (error?: unknown) => void) => void>): void;
  use(handler: (req: HttpRequest, res: HttpResponse, next: (error?: unknown) => void) => void): void;
  parent?: ExpressLike;
  _router?: { stack: RouterLayer[] };
  router?: { stack: RouterLayer[] };
}

export interface RouterLayer {
  handle?: unknown;
  route?: { path: string; stack: Array<{ handle: unknown }> };
}

export type HttpRequest = IncomingMessage & {
  body?: unknown;
  rawBody?: Buffer;
  _body?: boolean;
  skipRawBodyParser?: boolean;
  path?: string;
  originalUrl?: string;
};

export type HttpResponse = ServerResponse & {
  status(code: number): HttpResponse;
  json(body: unknown): HttpResponse;
  send(body: unknown): HttpResponse;
};

export interface RED {
  nodes: {
    createNode(node: unknown, config: unknown): void;
    registerType(type: string, ctor: unknown, options?: { credentials?: Record<string, { type: 'text' | 'password' }> }): void;
    getNode(id: string): unknown;
  };
  httpNode: ExpressLike;
  httpAdmin: ExpressLike;
  auth: { needsPermission(permission: string): (req: HttpRequest, res: HttpResponse, next: () => void) => void };
  settings: { userDir?: string; httpNodeRoot?: string | false; [key: string]: unknown };
  util: { generateId(): string; cloneMessage<T>(msg: T): T };
  _(key: string, substitutions?: Record<string, unknown>): string;
}
