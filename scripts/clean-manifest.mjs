/**
 * The package.json a package is published with: what the workspace needs to build and test it left out,
 * so that a user's npm installing the tarball sees only what the installed package needs.
 *  - `scripts`, `devDependencies`, `workspaces`, `private`, `overrides`: build and workspace matters; npm
 *    would run install scripts and a user's tooling would read the rest;
 *  - the n8n package (a `n8n` section) must have no `dependencies` at all: n8n's rule for community nodes,
 *    which bundle what they use (n8n-workflow stays a peer: n8n provides it). One there is an error here
 *    rather than a silent drop, since the built code would then fail to load it;
 *  - `bundle`: names moved into `bundleDependencies` (and kept in `dependencies` at the version given),
 *    so npm installs them from the tarball and never asks the registry.
 * Pure: takes a manifest object and returns a new one; the input is not changed.
 * @param {Record<string, any>} manifest
 * @param {{ bundle?: Record<string, string> }} [options] name → version of the dependencies to bundle
 * @returns {Record<string, any>}
 */
export function cleanManifest(manifest, options = {}) {
  const { scripts, devDependencies, workspaces, private: isPrivate, overrides, ...published } = manifest;
  void scripts, devDependencies, workspaces, isPrivate, overrides;
  const bundle = options.bundle ?? {};
  if (published.n8n) {
    const runtime = Object.keys({ ...published.dependencies, ...published.optionalDependencies, ...bundle });
    if (runtime.length > 0) throw new Error(`${published.name}: an n8n community package has no runtime dependencies (bundle them), found ${runtime.join(', ')}`);
    return published;
  }
  if (Object.keys(bundle).length > 0) {
    published.dependencies = { ...(published.dependencies ?? {}), ...bundle };
    published.bundleDependencies = Object.keys(bundle).sort();
  }
  return published;
}
