'use strict';
// require('trainyard/pipelines'): the pipeline definition API and built-in steps (see load-esm.cjs).
module.exports = require('./load-esm.cjs')(() => require('../dist/pipelines/index.js'));
