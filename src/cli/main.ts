import { Command, CommanderError } from 'commander';
import { VERSION } from '../core/version.js';
import { registerExperimentCommands } from './commands/experiments.js';
import { registerModelCommands } from './commands/models.js';
import { registerRunCommands } from './commands/runs.js';
import { registerServerCommand } from './commands/server.js';
import { registerTuneCommands } from './commands/tune.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerLaunchCommands } from './commands/launch.js';
import { registerNodeCommands } from './commands/node.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerAgentCommand, registerAgentsListCommand } from './commands/agent.js';
import { registerUserCommands } from './commands/users.js';
import { registerAuditCommands } from './commands/audit.js';
import { fail } from './output.js';
import { announceNewStores } from './store-notice.js';

/** Builds the `trainyard` command; each domain adds its subcommands. */
export function buildProgram(): Command {
  const program = new Command('trainyard')
    .description('Trainyard: experiment tracking, artifacts, model registry and hyperparameter tuning')
    .version(VERSION)
    .option('--uri <uri>', 'server to talk to (default $TRAINYARD_URI; unset = the local store under ./trainyard-data)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `trainyard: ${s}` : s) });
  registerServerCommand(program);
  registerExperimentCommands(program);
  registerRunCommands(program);
  registerModelCommands(program);
  registerTuneCommands(program);
  registerDemoCommand(program);
  registerLaunchCommands(program);
  registerNodeCommands(program);
  registerPipelineCommands(program);
  registerAgentCommand(program);
  registerAgentsListCommand(program);
  registerUserCommands(program);
  registerAuditCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `trainyard runs list | head -1` closes the pipe early: that is the reader's choice, not an
  // error, so exit quietly instead of crashing with an unhandled EPIPE and a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  announceNewStores();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander on one line.
      process.exit(e.exitCode);
    }
    fail((e as Error).message);
  }
}

main(process.argv);
