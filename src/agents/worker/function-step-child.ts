/**
 * @module The child process an agent runs a TypeScript step in: reads the StepTask on stdin,
 * imports the pipeline file fresh (a long-running agent must see an edited file), runs the step
 * with an SDK on the server (TRAINYARD_URI), and writes JSON lines on fd 3: `{log}` per step log
 * line and one `{outcome}` at the end. The step's own stdout/stderr stay plain log lines.
 */
import { createWriteStream } from 'node:fs';
import { Trainyard } from '../../client/trainyard.js';
import { runFunctionStep, type StepTask } from '../../pipelines/index.js';

const channel = createWriteStream('', { fd: 3 });
const send = (msg: unknown) => channel.write(JSON.stringify(msg) + '\n');

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const task = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StepTask;
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort('cancelled'));
  let sdk: Trainyard | undefined;
  const outcome = await runFunctionStep(task, { started: () => {}, log: (stream, line) => send({ log: [stream, line] }) }, abort.signal, {
    trainyard: () => (sdk ??= new Trainyard({ uri: process.env.TRAINYARD_URI, capture: false })),
  });
  send({ outcome });
  await new Promise<void>((r) => channel.end(r));
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    send({ outcome: { status: 'failed', error: `the step process failed: ${e?.message ?? e}`, retryable: true } });
    channel.end(() => process.exit(1));
  },
);
