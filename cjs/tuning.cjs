'use strict';
// require('trainyard/tuning'): the tuning engine (see load-esm.cjs).
module.exports = require('./load-esm.cjs')(() => require('../dist/tuning/index.js'));
