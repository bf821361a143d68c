#!/usr/bin/env -S node --
'use strict';
// ryouiki-runtime: the OCI runtime command line, bundled apart from the oclif CLI so each call loads only itself,
// from its V8 code cache (src/code-cache.cts).
const { join } = require('node:path');
const { loadBundle } = require('../dist/code-cache.cjs');

const { main } = loadBundle(join(__dirname, '..', 'dist', 'ryouiki-runtime.cjs')).exports;
main(process.argv.slice(2)).then((code) => process.exit(code));
