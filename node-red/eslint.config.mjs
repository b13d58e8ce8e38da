// This folder is not code n8n loads, so n8n's community-node rules (no timers, no `process`, n8n-only
// imports) do not apply to it; `n8n-node lint` at the repository root runs with ESLint's per-folder
// config lookup (ESLINT_FLAGS=v10_config_lookup_from_file) and finds this file first. Type safety here
// comes from `tsc --strict` (npm run typecheck) and the tests.
export default [{}];
