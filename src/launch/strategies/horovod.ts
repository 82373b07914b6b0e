/**
 * @module Horovod's launch environment: what `horovodrun --gloo` gives each worker
 * (horovod/runner/gloo_run.py), derived from the same placement as torchrun's variables, so a
 * Horovod script sees the ranks Trainyard assigned. Not provided: Horovod's own gloo rendezvous
 * HTTP server (horovodrun starts it); a real Horovod job needs it at
 * HOROVOD_GLOO_RENDEZVOUS_ADDR:PORT, and Horovod is not installable here, so this is tested as
 * the environment it sets only.
 */
export interface HorovodPlacement {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  /** Node index and node count. */
  crossRank: number;
  crossSize: number;
  hostname: string;
  rendezvousAddr: string;
  rendezvousPort: number;
  iface?: string;
}

export function horovodEnv(p: HorovodPlacement): Record<string, string> {
  return {
    HOROVOD_RANK: String(p.rank),
    HOROVOD_SIZE: String(p.size),
    HOROVOD_LOCAL_RANK: String(p.localRank),
    HOROVOD_LOCAL_SIZE: String(p.localSize),
    HOROVOD_CROSS_RANK: String(p.crossRank),
    HOROVOD_CROSS_SIZE: String(p.crossSize),
    HOROVOD_HOSTNAME: p.hostname,
    HOROVOD_CONTROLLER: 'gloo',
    HOROVOD_CPU_OPERATIONS: 'gloo',
    HOROVOD_GLOO_RENDEZVOUS_ADDR: p.rendezvousAddr,
    HOROVOD_GLOO_RENDEZVOUS_PORT: String(p.rendezvousPort),
    HOROVOD_GLOO_IFACE: p.iface ?? 'lo',
  };
}
