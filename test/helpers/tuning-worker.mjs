// A tuning worker process for test/tuning-workers.int.test.ts: the built SDK (dist/), one study,
// `optimize` with N trials. Prints `START <n>` once a trial's params are stored and `END <n>` when
// its objective returns, so the test can kill it mid-trial.
// Usage: node tuning-worker.mjs URL STUDY N_TRIALS
import { Trainyard } from '../../dist/client/index.js';

const [url, name, n] = process.argv.slice(2);
const ty = new Trainyard({ uri: url });
const study = await ty.studies.load(name);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await study.optimize(async (trial) => {
  const x = trial.suggestFloat('x', -5, 5);
  const y = trial.suggestInt('y', 0, 10);
  await trial.flush(); // params are sent in the background; wait for them before announcing
  process.stdout.write(`START ${trial.number}\n`);
  for (let step = 0; step < 4; step++) {
    await sleep(50);
    trial.report((x - 1) ** 2 + y + 1 / (step + 1), step);
  }
  process.stdout.write(`END ${trial.number}\n`);
  return (x - 1) ** 2 + y;
}, { nTrials: Number(n) });
await ty.close();
