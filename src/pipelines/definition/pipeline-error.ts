import { InvalidParameter } from '../../core/errors.js';

/** A pipeline refused before anything runs; the message names the step and the field. */
export class PipelineDefinitionError extends InvalidParameter {
  constructor(
    readonly step: string | undefined,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(`${step ? `step '${step}'` : 'pipeline'}${field ? `, field '${field}'` : ''}: ${detail}`);
    this.name = 'PipelineDefinitionError';
  }
}
