'use strict';
// @ryouiki/core is an ES module. Node.js 20.19 and later load it with
// require() too (require(esm)); an older Node.js, or one started with
// --no-experimental-require-module, cannot, and is told what to do instead.
try {
  module.exports = require('../dist/index.js');
} catch (error) {
  if (error && (error.code === 'ERR_REQUIRE_ESM' || error.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
    const message = "@ryouiki/core is an ES module: use import { run } from '@ryouiki/core' (or, from CommonJS, const { run } = await import('@ryouiki/core'))";
    throw Object.assign(new Error(message), { code: error.code, cause: error });
  }
  throw error;
}
