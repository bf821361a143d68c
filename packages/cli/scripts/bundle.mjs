// Bundles the CLI, oclif and the @ryouiki packages into dist/ryouiki.cjs: one
// file loads several times faster than the hundreds of modules it replaces.
// Each bundle is CommonJS, so that bin/ can load it from the V8 code cache
// written beside it here (src/code-cache.cts): an ES module cannot take one.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeCodeCache } from '../dist/code-cache.cjs';

/**
 * The libraries' import() of a computed path (oclif loading an ES module
 * plugin, lilconfig) as a call of the import function the loader hands the
 * bundle: code V8 compiled from a cache has no import() of its own in Node.js
 * 20. Outside the loader (oclif manifest requires the bundle) it is Node's own.
 * An import() of a named module is left to esbuild, which bundles it.
 */
const routeDynamicImports = {
  name: 'route-dynamic-imports',
  setup(build) {
    build.onLoad({ filter: /node_modules.*\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!source.includes('import(')) return undefined;
      return { contents: source.replace(/(?<![\w$.'"`])import\((?!\s*['"`])/g, '__ryouikiImport('), loader: 'js' };
    });
  },
};

const common = {
  plugins: [routeDynamicImports],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  minify: true,
  // The ES modules' import.meta.url: the bundle's own, as when they were loaded as modules.
  define: { 'import.meta.url': '__ryouikiBundleUrl' },
  banner: {
    js: [
      "const __ryouikiBundleUrl = require('node:url').pathToFileURL(__filename).href;",
      "if (typeof __ryouikiImport !== 'function') var __ryouikiImport = (specifier) => import(specifier);",
    ].join('\n'),
  },
};

await build({
  ...common,
  entryPoints: ['dist/main.js'],
  outfile: 'dist/ryouiki.cjs',
  // oclif only reaches these for TypeScript plugins in development; plugins load from node_modules.
  external: ['typescript', 'ts-node', 'tsx', '@oclif/plugin-*'],
});

// ryouiki-runtime, the OCI runtime command line: no oclif. Its commands that podman and containerd run on every
// container (state, start, kill, delete) need only @ryouiki/core/oci-lifecycle: a small bundle, compiled from source
// faster than any cache is read. Those that make containers load the rest of core from a bundle of their own.
await build({ ...common, entryPoints: ['dist/runtime/main.js'], outfile: 'dist/ryouiki-runtime.cjs' });
await build({ ...common, entryPoints: ['dist/runtime/container-commands.js'], outfile: 'dist/ryouiki-runtime-containers.cjs' });

for (const bundle of ['dist/ryouiki.cjs', 'dist/ryouiki-runtime-containers.cjs']) writeCodeCache(resolve(bundle));
