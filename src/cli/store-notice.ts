import { relative } from 'node:path';
import { storeNotices } from '../client/connect.js';

/**
 * A CLI command without --uri/TRAINYARD_URI works on the local store; when that store does not
 * exist yet (the wrong folder, a typo in TRAINYARD_HOME) it says, on stderr so --json stays clean,
 * that it is creating an empty one and how to point elsewhere.
 */
export function announceNewStores(): void {
  storeNotices.onNewStore = (home) => {
    const shown = relative(process.cwd(), home) || '.';
    process.stderr.write(
      `trainyard: no store at ${shown.startsWith('..') ? home : `./${shown}`} yet: creating an empty one (SQLite). ` +
        'To use another, pass --uri http://HOST:PORT (or set TRAINYARD_URI) for a server, or set TRAINYARD_HOME to its folder.\n',
    );
  };
}
