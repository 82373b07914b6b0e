/** @module The math the built-in steps share: classification, regression, fairness and drift. */
export * from './classification.js';
export * from './regression.js';
export * from './fairness.js';
export * from './drift.js';
