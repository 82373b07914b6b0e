/**
 * @module What a built-in step logs to: the subset of the SDK's `ActiveRun` it uses, so a step
 * works with a tracking run from the SDK, from a pipeline's step context, or with none.
 */
import type { ActiveRun } from '../../client/index.js';

export type StepRun = Pick<ActiveRun, 'id' | 'logMetric' | 'logMetrics' | 'logParams' | 'setTag' | 'setTags' | 'logArtifact' | 'logText' | 'logDataset' | 'logModel' | 'flush'>;
