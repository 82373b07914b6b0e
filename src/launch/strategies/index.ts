/** @module Config writers for each parallelism framework; each has a worked example under examples/. */
export { ddp, type DdpOptions } from './ddp.js';
export { fsdp, type FsdpOptions } from './fsdp.js';
export { deepspeed, deepspeedConfig, type DeepSpeedOptions } from './deepspeed.js';
export { pipeline, type PipelineOptions } from './pipeline.js';
export { horovodEnv, type HorovodPlacement } from './horovod.js';
export type { StrategyConfig } from './strategy.js';
