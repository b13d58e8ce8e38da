/** Removing exactly one node's own route layer from an Express app, found by handler identity. */
import type { ExpressLike } from './red';

export function removeRoute(app: ExpressLike, handler: unknown): void {
  const stack = app._router?.stack ?? app.router?.stack;
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i]?.route?.stack.some((layer) => layer.handle === handler)) stack.splice(i, 1);
  }
}
