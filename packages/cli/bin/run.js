#!/usr/bin/env node
import { flush, run } from '@oclif/core';
import { reportError } from '../dist/error-report.js';

try {
  await run(process.argv.slice(2), import.meta.url);
  await flush();
} catch (error) {
  process.exitCode = reportError(error);
}
