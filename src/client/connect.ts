import { defaultHome } from '../core/config.js';
import { openDatabase } from '../store/index.js';
import { createTracking, trackingRoutes } from '../tracking/index.js';
import { HttpTransport, InProcessTransport, type Transport } from './transport.js';

export interface ConnectOptions {
  /** `http(s)://...` for a server; omitted -> `TRAINYARD_URI`, else embedded on the local store. */
  uri?: string;
  /** Where the embedded store lives (default `TRAINYARD_HOME` or `./trainyard-data`). */
  home?: string;
  /** Database URL for embedded mode (default SQLite under home). */
  db?: string;
}

/** Picks the transport: a server when a URI is given or set in TRAINYARD_URI, else embedded. */
export async function connect(opts: ConnectOptions = {}): Promise<Transport> {
  const uri = opts.uri ?? process.env.TRAINYARD_URI ?? process.env.MLFLOW_TRACKING_URI;
  if (uri && /^https?:\/\//.test(uri)) return new HttpTransport(uri);
  if (uri && !uri.startsWith('file:') && !uri.startsWith('embedded')) {
    throw new Error(`Unsupported tracking URI '${uri}': use http://host:port for a server, or leave it unset for the local store.`);
  }
  const home = opts.home ?? (uri?.startsWith('file:') ? uri.replace(/^file:(\/\/)?/, '') : defaultHome());
  const db = await openDatabase(opts.db ?? process.env.TRAINYARD_DB, home);
  const tracking = createTracking(db);
  return new InProcessTransport([...trackingRoutes(tracking)], `embedded:${home}`, () => db.close());
}
