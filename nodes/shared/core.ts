/**
 * The one door from the n8n nodes into @devicehook/core. The build bundles the core (and zod) into
 * `dist/nodes/shared/core.js` once, and every node file requires that file by a relative path — the
 * package ships with no runtime dependencies, as n8n asks of community nodes.
 */
export * from '@devicehook/core';
