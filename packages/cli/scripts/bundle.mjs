// Bundles the CLI, oclif and the @ryouiki packages into dist/ryouiki.js: one
// file loads several times faster than the hundreds of modules it replaces.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  minify: true,
  // Bundled CommonJS dependencies call require(); give them Node's.
  banner: { js: "import { createRequire as __ryouikiCreateRequire } from 'node:module'; const require = __ryouikiCreateRequire(import.meta.url);" },
};

await build({
  ...common,
  entryPoints: ['dist/main.js'],
  outfile: 'dist/ryouiki.js',
  // oclif only reaches these for TypeScript plugins in development; plugins load from node_modules.
  external: ['typescript', 'ts-node', 'tsx', '@oclif/plugin-*'],
});

// ryouiki-runtime, the OCI runtime command line: no oclif, nothing but itself and @ryouiki/core.
await build({ ...common, entryPoints: ['dist/runtime/main.js'], outfile: 'dist/ryouiki-runtime.js' });
