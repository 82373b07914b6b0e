import type { ActiveRun } from './active-run.js';

/**
 * Runs still open when the process is about to end get flushed: on a natural exit (beforeExit)
 * they end FINISHED, as MLflow's atexit hook does; on SIGINT/SIGTERM they end KILLED and the
 * process then exits with the signal's conventional code. Handlers are installed only while a run
 * is open, so Trainyard never changes how a process without open runs reacts to signals.
 */
const open = new Set<ActiveRun>();
let installed = false;

async function endAll(status: 'FINISHED' | 'KILLED'): Promise<void> {
  const runs = [...open];
  open.clear();
  await Promise.allSettled(runs.map((r) => r.end(status)));
}

const onBeforeExit = () => {
  if (open.size) void endAll('FINISHED');
};
const onSignal = (signal: NodeJS.Signals) => {
  void endAll('KILLED').finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};

export function trackOpenRun(run: ActiveRun): void {
  open.add(run);
  if (!installed) {
    installed = true;
    process.on('beforeExit', onBeforeExit);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
}

export function untrackRun(run: ActiveRun): void {
  open.delete(run);
  if (!open.size && installed) {
    installed = false;
    process.off('beforeExit', onBeforeExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
