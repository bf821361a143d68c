#!/usr/bin/env -S node --
// ryouiki-runtime: the OCI runtime command line, bundled apart from the oclif CLI so each call loads only itself.
import { main } from '../dist/ryouiki-runtime.js';

process.exit(await main(process.argv.slice(2)));
