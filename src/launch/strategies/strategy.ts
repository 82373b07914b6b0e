/** @module What a strategy helper produces: files to write, arguments and environment to add. */
export interface StrategyConfig {
  name: 'ddp' | 'fsdp' | 'deepspeed' | 'pipeline' | 'horovod';
  /** Extra environment for every worker (merged under the user's --env). */
  env: Record<string, string>;
  /** Extra arguments appended to the script's command line. */
  args: string[];
  /** Files to write before launch (name relative to the job folder -> content). */
  files: Record<string, string>;
}
