// Bundles the CLI, oclif and the @ryouiki packages into dist/ryouiki.js: one
// file loads several times faster than the hundreds of modules it replaces.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/ryouiki.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  minify: true,
  // oclif only reaches these for TypeScript plugins in development; plugins load from node_modules.
  external: ['typescript', 'ts-node', 'tsx', '@oclif/plugin-*'],
  // Bundled CommonJS dependencies call require(); give them Node's.
  banner: { js: "import { createRequire as __ryouikiCreateRequire } from 'node:module'; const require = __ryouikiCreateRequire(import.meta.url);" },
});
