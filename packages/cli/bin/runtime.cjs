#!/usr/bin/env -S node --
'use strict';
// ryouiki-runtime: the OCI runtime command line, bundled apart from the oclif CLI so each call loads only itself.
// The commands that make containers load the rest of @ryouiki/core, from its V8 code cache (src/code-cache.cts).
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
const { main } = require(join(dist, 'ryouiki-runtime.cjs'));
const loadContainerCommands = () => require(join(dist, 'code-cache.cjs')).loadBundle(join(dist, 'ryouiki-runtime-containers.cjs')).exports;
main(process.argv.slice(2), loadContainerCommands).then((code) => process.exit(code));
