// The floor of any Node.js command line that starts a container: Node.js,
// one spawn of the helper, a wait for its exit; nothing recorded.
// Usage: node bench/spawn-helper.cjs HELPER ARGS...
'use strict';
const { spawn } = require('node:child_process');

const [helper, ...args] = process.argv.slice(2);
spawn(helper, args, { stdio: 'ignore' }).on('exit', (code) => process.exit(code ?? 1));
