/**
 * @module The orphan guard. Node has no PR_SET_PDEATHSIG, so a kill -9 of the supervisor would
 * leave its workers running (what torchrun does, distributed-anchors.md 5). Next to each
 * supervisor runs a tiny `sh` loop, outside its process group, that waits for the supervisor to
 * go and then SIGKILLs every process whose environment carries this session's nonce. (The Python
 * hook also sets PDEATHSIG in each worker; the reaper covers non-Python children and the race
 * before the hook runs.) About 2 MB of memory and one `kill -0` every 200 ms.
 */
import { spawn } from 'node:child_process';

const SCRIPT = `
sup="$1"; needle="TRAINYARD_LAUNCH_NONCE=$2"
while kill -0 "$sup" 2>/dev/null; do sleep 0.2; done
for round in 1 2 3 4 5; do
  found=0
  for f in /proc/[0-9]*/environ; do
    p=\${f#/proc/}; p=\${p%/environ}
    [ "$p" = "$$" ] && continue
    if tr '\\0' '\\n' < "$f" 2>/dev/null | grep -qx "$needle"; then kill -9 "$p" 2>/dev/null; found=1; fi
  done
  [ "$found" = 0 ] && exit 0
  sleep 0.2
done
`;

/** Starts the guard for this process; it exits by itself once the supervisor and workers are gone. */
export function startReaper(nonce: string, supervisorPid = process.pid): { pid: number | undefined; stop(): void } {
  const env = { ...process.env };
  delete env.TRAINYARD_LAUNCH_NONCE;
  delete env.TRAINYARD_JOB_ID;
  const child = spawn('sh', ['-c', SCRIPT, 'trainyard-reaper', String(supervisorPid), nonce], { detached: true, stdio: 'ignore', env });
  child.unref();
  return {
    pid: child.pid,
    stop: () => {
      // On a clean end the supervisor already stopped its workers; the guard has nothing to do.
      try {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}
