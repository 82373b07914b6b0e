/** @module The task kinds every agent runs: each import registers its handler. Add new kinds here. */
import './pipeline-step-handler.js';
import './launch-node-handler.js';
