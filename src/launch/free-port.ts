import { createServer } from 'node:net';

/**
 * A port the OS says is free now (bind to 0). Never a fixed default: 29500 clashes between jobs
 * and with anything else on the machine (pytorch#126510). The port is released before rank 0
 * binds it; a clash in that window fails the attempt and the restart picks a new port.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
