import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import { planReproduction } from '../../client/reproduce.js';
import type { Run } from '../../client/index.js';
import { printJson } from '../output.js';

export function registerReproduceCommand(runs: Command, program: Command): void {
  runs
    .command('reproduce <run_id>')
    .description('Print what is needed to redo a run; --check compares it with this machine')
    .option('--check', 'exit 1 if the code, lockfiles or datasets here differ from the run')
    .option('--write-diff <file>', "write the run's uncommitted diff to a file (for git apply)")
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { check?: boolean; writeDiff?: string; json?: boolean }) => {
      const t = await connect({ uri: program.opts().uri });
      try {
        const { run } = await t.call<{ run: Run }>('GET', '/api/2.0/mlflow/runs/get', { run_id: runId });
        const plan = await planReproduction(t, run);
        if (opts.writeDiff) {
          if (!plan.diff) throw new Error(`Run ${runId} recorded no uncommitted diff.`);
          writeFileSync(opts.writeDiff, plan.diff);
        }
        const mismatches = plan.checks.filter((c) => !c.ok);
        if (opts.json) printJson(plan);
        else {
          const out = process.stdout;
          out.write(`Run ${plan.runId}\n`);
          out.write(`  commit      ${plan.commit ?? '(not recorded: the run was not started in a git work tree)'}${plan.branch ? ` (${plan.branch})` : ''}\n`);
          if (plan.remote) out.write(`  remote      ${plan.remote}\n`);
          out.write(`  tree        ${plan.dirtyAtStart ? 'had uncommitted changes (diff stored with the run)' : 'clean'}\n`);
          out.write(`  seed        ${plan.seed ?? '(none recorded)'}\n`);
          if (plan.entryPoint) out.write(`  entry point ${plan.entryPoint} ${(plan.argv ?? []).join(' ')}\n`);
          out.write('\nChecks against this machine:\n');
          for (const c of plan.checks) out.write(`  ${c.ok ? 'ok      ' : 'MISMATCH'}  ${c.what}${c.ok ? '' : `: recorded ${c.recorded}, here ${c.current}`}\n`);
          if (!plan.checks.length) out.write('  (nothing recorded to compare)\n');
          if (plan.diff) out.write(`\nUncommitted diff at start:\n${plan.diff}\n`);
          out.write(`\nTo redo it:\n${plan.steps.map((s) => `  ${s}`).join('\n')}\n`);
        }
        if (opts.check && mismatches.length) {
          process.stderr.write(`trainyard: error: ${mismatches.length} mismatch(es): ${mismatches.map((m) => m.what).join(', ')}\n`);
          process.exitCode = 1;
        }
      } finally {
        await t.close();
      }
    });
}
