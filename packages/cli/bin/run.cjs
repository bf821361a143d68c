#!/usr/bin/env -S node --
import { main } from '../dist/ryouiki.js';

await main(process.argv.slice(2), import.meta.url);
