#!/usr/bin/env -S node --
'use strict';
// ryouiki: the oclif CLI, one bundled file loaded from its V8 code cache (src/code-cache.cts).
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { loadBundle } = require('../dist/code-cache.cjs');

const { main } = loadBundle(join(__dirname, '..', 'dist', 'ryouiki.cjs')).exports;
main(process.argv.slice(2), pathToFileURL(__filename).href);
