/**
 * @module How a pod hands its value outputs back without a shared disk: after the command exits
 * 0, the wrapper prints each declared value file as one marker line (base64, so any bytes survive
 * the log), and the executor reads them from the pod's log. Artifact outputs need the shared
 * claim (their files can be large); they are read from the workdir like the local executor does.
 */
import { join } from 'node:path';
import type { OutputSpec } from '../../definition/spec.js';

const MARK = '::trainyard-output::';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The pod's shell script: the step's command, then the value outputs as marker lines. */
export function wrapCommand(shell: string, outputs: Record<string, OutputSpec>, workdir: string): string {
  const values = Object.entries(outputs).filter(([, o]) => o.type === 'value');
  if (!values.length) return shell;
  const emit = values.map(([name, o]) => {
    const path = q(join(workdir, o.path ?? name));
    return `if [ -f ${path} ]; then printf '\\n${MARK}%s::' ${q(name)}; base64 < ${path} | tr -d '\\n'; printf '\\n'; fi`;
  });
  // A subshell keeps the step's own `exit` from skipping the outputs' lines.
  return `( ${shell}\n) ; rc=$?; if [ $rc -eq 0 ]; then ${emit.join('; ')}; fi; exit $rc`;
}

/** Splits a pod log into the step's own lines and the value outputs the wrapper printed. */
export function readOutputs(log: string): { lines: string[]; values: Record<string, string> } {
  const lines: string[] = [];
  const values: Record<string, string> = {};
  for (const line of log.split('\n')) {
    if (line.startsWith(MARK)) {
      const rest = line.slice(MARK.length);
      const at = rest.indexOf('::');
      if (at > 0) {
        if (lines[lines.length - 1] === '') lines.pop(); // the wrapper's own newline before the marker
        values[rest.slice(0, at)] = Buffer.from(rest.slice(at + 2), 'base64').toString('utf8');
        continue;
      }
    }
    lines.push(line);
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return { lines, values };
}
