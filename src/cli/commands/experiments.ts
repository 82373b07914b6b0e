import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import type { Experiment } from '../../client/index.js';
import { formatTime, printJson, printTable } from '../output.js';

const API = '/api/2.0/mlflow';

export function registerExperimentCommands(program: Command): void {
  const exp = program.command('experiments').description('List, create and delete experiments');

  exp
    .command('list')
    .description('List experiments')
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--json', 'print JSON')
    .action(async (opts: { view: string; json?: boolean }) => {
      const view = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' }[opts.view];
      if (!view) throw new Error(`--view must be active, deleted or all (got '${opts.view}')`);
      const t = await connect({ uri: program.opts().uri });
      try {
        const experiments: Experiment[] = [];
        let token: string | undefined;
        do {
          const res = await t.call<{ experiments?: Experiment[]; next_page_token?: string }>('POST', `${API}/experiments/search`, { view_type: view, max_results: 1000, page_token: token });
          experiments.push(...(res.experiments ?? []));
          token = res.next_page_token;
        } while (token);
        if (opts.json) return printJson(experiments);
        printTable(['ID', 'NAME', 'STAGE', 'CREATED', 'ARTIFACT LOCATION'], experiments.map((e) => [e.experiment_id, e.name, e.lifecycle_stage, formatTime(e.creation_time), e.artifact_location]));
      } finally {
        await t.close();
      }
    });

  exp
    .command('create <name>')
    .description('Create an experiment and print its id')
    .option('--artifact-location <uri>', 'where its runs store artifacts')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { artifactLocation?: string; json?: boolean }) => {
      const t = await connect({ uri: program.opts().uri });
      try {
        const res = await t.call<{ experiment_id: string }>('POST', `${API}/experiments/create`, { name, artifact_location: opts.artifactLocation });
        if (opts.json) printJson(res);
        else process.stdout.write(`${res.experiment_id}\n`);
      } finally {
        await t.close();
      }
    });

  exp
    .command('delete <experiment_id>')
    .description('Delete an experiment (soft: restore brings it back with its runs)')
    .action(async (id: string) => {
      const t = await connect({ uri: program.opts().uri });
      try {
        await t.call('POST', `${API}/experiments/delete`, { experiment_id: id });
        process.stdout.write(`Deleted experiment ${id}\n`);
      } finally {
        await t.close();
      }
    });
}
