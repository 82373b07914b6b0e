import { existsSync } from 'node:fs';
import { defaultHome } from '../core/config.js';
// Embedded mode runs the server's domain assembly in-process (no HTTP): the one module of
// src/server a client uses, because embedded means "the same services on a local store".
import { createDomains } from '../server/domains.js';
import { openDatabase } from '../store/index.js';
import { HttpArtifactClient, StoreArtifactClient, type ArtifactClient } from './artifact-client.js';
import { HttpTransport, InProcessTransport, type Transport } from './transport.js';

export interface ConnectOptions {
  /** `http(s)://...` for a server; omitted -> `TRAINYARD_URI`, else embedded on the local store. */
  uri?: string;
  /** Where the embedded store lives (default `TRAINYARD_HOME` or `./trainyard-data`). */
  home?: string;
  /** Database URL for embedded mode (default SQLite under home). */
  db?: string;
  /** Artifact store for embedded mode (default `<home>/artifacts`). */
  artifacts?: string;
}

/** A transport for the API plus the way to move artifact files, in either mode. */
export interface Connection extends Transport {
  readonly artifacts: ArtifactClient;
  readonly mode: 'remote' | 'embedded';
}

/**
 * Called when embedded mode is about to create a store that did not exist (a new, empty home).
 * The CLI sets it to say so on stderr: a command run in the wrong folder would otherwise show an
 * empty table with no word of where it looked. The SDK leaves it unset (a library stays quiet).
 */
export const storeNotices: { onNewStore?: (home: string) => void } = {};

/** Picks the mode: a server when a URI is given or set in TRAINYARD_URI, else embedded. */
export async function connect(opts: ConnectOptions = {}): Promise<Connection> {
  const uri = opts.uri || process.env.TRAINYARD_URI || process.env.MLFLOW_TRACKING_URI || undefined;
  if (uri && /^https?:\/\//.test(uri)) {
    const t = new HttpTransport(uri);
    const artifacts = new HttpArtifactClient(t.baseUrl);
    return Object.assign(t, { artifacts, mode: 'remote' as const, close: async () => artifacts.close() });
  }
  if (uri && !uri.startsWith('file:')) {
    throw new Error(`Unsupported tracking URI '${uri}': use http://host:port for a server, or leave it unset for the local store.`);
  }
  const home = opts.home ?? (uri?.startsWith('file:') ? uri.replace(/^file:(\/\/)?/, '') : defaultHome());
  const dbUrl = opts.db ?? process.env.TRAINYARD_DB;
  if (!dbUrl && !existsSync(home)) storeNotices.onNewStore?.(home);
  const db = await openDatabase(dbUrl, home);
  const domains = createDomains(db, { home, artifacts: opts.artifacts ?? process.env.TRAINYARD_ARTIFACTS });
  const artifacts = new StoreArtifactClient(domains.locations.defaultStore);
  const t = new InProcessTransport(domains.routes, `embedded:${home}`, async () => {
    await domains.close();
    await db.close();
  });
  return Object.assign(t, { artifacts, mode: 'embedded' as const });
}
