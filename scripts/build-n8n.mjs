/**
 * Builds the n8n package into dist/ (CommonJS, what n8n's loader requires):
 *  - dist/nodes/shared/core.js: @devicehook/core and zod, bundled once;
 *  - one file per node and credential, each requiring that core by a relative path, so the core is
 *    loaded once per n8n process however many DeviceHook nodes there are;
 *  - icons, codex files (*.node.json) and the output schemas (__schema__) n8n shows before the first run.
 * The package therefore has no runtime dependencies; n8n-workflow comes from n8n (the peer).
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const coreSource = path.join(root, 'nodes/shared/core.ts');
const coreOutput = path.join(dist, 'nodes/shared/core.js');

function filesUnder(dir, test) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full, test) : test(entry.name) ? [full] : [];
  });
}

fs.rmSync(dist, { recursive: true, force: true });

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', legalComments: 'none' };

// zod keeps a registry and a config on globalThis so that several copies of zod share them. This copy
// is private to our nodes, and n8n forbids globals in node code (its linter scans the published
// files), so the bundle gets a module-level object of its own instead.
await build({
  ...common,
  entryPoints: [coreSource],
  outfile: coreOutput,
  // From the core's ES module sources rather than its CommonJS build, so esbuild keeps only the zod we use.
  alias: { '@devicehook/core': path.join(root, 'shared/src/index.ts') },
  define: { globalThis: 'devicehookPrivateGlobals' },
  banner: { js: 'var devicehookPrivateGlobals = {};' },
});

// Every import of nodes/shared/core becomes a require of the bundled core, relative to the output file.
function coreAsSibling(outfile) {
  return {
    name: 'devicehook-core-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /(^|\/)core$/ }, (args) => {
        const resolved = path.resolve(args.resolveDir, args.path);
        if (resolved !== coreSource.replace(/\.ts$/, '')) return undefined;
        let relative = path.relative(path.dirname(outfile), coreOutput).replace(/\\/g, '/');
        if (!relative.startsWith('.')) relative = `./${relative}`;
        return { path: relative, external: true };
      });
      pluginBuild.onResolve({ filter: /^@devicehook\/core/ }, () => ({
        errors: [{ text: 'Import the core through nodes/shared/core, so it is bundled once' }],
      }));
    },
  };
}

const entries = [
  ...filesUnder(path.join(root, 'nodes'), (name) => name.endsWith('.node.ts')),
  ...filesUnder(path.join(root, 'credentials'), (name) => name.endsWith('.credentials.ts')),
];
await Promise.all(
  entries.map((entry) => {
    const outfile = path.join(dist, path.relative(root, entry)).replace(/\.ts$/, '.js');
    return build({ ...common, entryPoints: [entry], outfile, external: ['n8n-workflow'], plugins: [coreAsSibling(outfile)] });
  }),
);

// Static files: icons, codex and schema files, next to their nodes as n8n expects.
for (const file of [
  ...filesUnder(path.join(root, 'nodes'), (name) => /\.(svg|png|node\.json)$/.test(name) || false),
  ...filesUnder(path.join(root, 'icons'), (name) => /\.(svg|png)$/.test(name)),
  ...filesUnder(path.join(root, 'nodes'), () => true).filter((file) => file.includes(`${path.sep}__schema__${path.sep}`)),
]) {
  const target = path.join(dist, path.relative(root, file));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(file, target);
}
// The output schema of each trigger: the normalized event, its `raw` being the vendor's own body schema.
// n8n serves these at /schemas/<node type>/<version>.json. (Its editor shows schema previews only for
// non-trigger nodes today, so the example workflows also pin a sample event.)
const triggerVendors = {
  InHand: 'inhand-dm',
  InCloudManager: 'incloud-manager',
  EdgeSense: 'edgesense',
  OneNce: '1nce',
  Scalefusion: 'scalefusion',
  StandardWebhooks: 'standard-webhooks',
  HmacWebhook: 'generic-hmac',
};
const builtCore = createRequire(import.meta.url)(coreOutput);
const text = { type: 'string' };
for (const [dir, vendor] of Object.entries(triggerVendors)) {
  if (!fs.existsSync(path.join(dist, 'nodes', dir))) continue;
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${builtCore.getVendor(vendor).label} event, normalized`,
    type: 'object',
    properties: {
      vendor: text,
      // Not an enum: types the vendor adds later pass through.
      type: { type: 'string', examples: builtCore.getVendor(vendor).eventTypes.map((entry) => entry.value) },
      typeLabel: text,
      id: text,
      occurredAt: text,
      device: { type: 'object', properties: { id: text, name: text, serialNumber: text, iccid: text, imsi: text, ip: text } },
      message: text,
      raw: builtCore.getVendor(vendor).jsonSchema,
      authentication: { type: 'string', enum: ['verified', 'unsigned_allowed', 'no_secret'] },
    },
  };
  // One file per version the trigger declares (its output is the same in each): n8n's editor asks for
  // /schemas/<type>/<major.minor.0>.json of the version in the workflow, and a missing one is a 404.
  for (const version of triggerVersions(dir)) {
    const target = path.join(dist, 'nodes', dir, '__schema__', `v${schemaVersion(version)}.json`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  }
}

// The Signed Webhook's hand-written schema (its output is the same in every version), for each version too.
const signedWebhookSchema = path.join(dist, 'nodes', 'SignedWebhook', '__schema__', 'v1.0.0.json');
for (const version of nodeVersions('SignedWebhook', 'SignedWebhook.node.js')) {
  const target = path.join(path.dirname(signedWebhookSchema), `v${schemaVersion(version)}.json`);
  if (target !== signedWebhookSchema) fs.copyFileSync(signedWebhookSchema, target);
}

/** The versions the built trigger of `dir` declares. */
function triggerVersions(dir) {
  const file = fs.readdirSync(path.join(dist, 'nodes', dir)).find((name) => name.endsWith('Trigger.node.js'));
  if (!file) throw new Error(`no trigger in dist/nodes/${dir}`);
  return nodeVersions(dir, file);
}

/** The versions a built node declares (`description.version`: a number or a list). */
function nodeVersions(dir, file) {
  const module = createRequire(import.meta.url)(path.join(dist, 'nodes', dir, file));
  const NodeClass = Object.values(module).find((value) => typeof value === 'function');
  const { version } = new NodeClass().description;
  return Array.isArray(version) ? version : [version];
}

/** n8n's spelling of a node version in schema paths: 1 → 1.0.0, 1.1 → 1.1.0. */
function schemaVersion(version) {
  const [major, minor = '0'] = String(version).split('.');
  return `${major}.${minor}.0`;
}

console.log(`n8n package built: ${entries.length} nodes and credentials in dist/`);
