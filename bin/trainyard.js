#!/usr/bin/env node
// The installed command runs the compiled CLI (built by `npm install` via the prepare script).
import('../dist/cli/main.js').catch((e) => {
  process.stderr.write(`trainyard: error: ${e && e.code === 'ERR_MODULE_NOT_FOUND' ? 'not built yet: run `npm install` (or `npm run build`) first' : e.message}\n`);
  process.exit(1);
});
