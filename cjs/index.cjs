'use strict';
// require('trainyard'): the SDK (see load-esm.cjs for how CommonJS reaches the ESM build).
module.exports = require('./load-esm.cjs')(() => require('../dist/client/index.js'));
