import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameter } from '../core/errors.js';

const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/**
 * @module The artifact roots the server reads and writes: its own store (`--artifacts`, default
 * `<home>/artifacts`) and any `--allowed-artifact-roots`. A client-chosen local location (an
 * absolute path, `file:` URI or relative path) must lie inside a local root; a remote one
 * (`s3://`, `gs://`, ...) is kept as MLflow keeps it, for clients that write there directly.
 */
export class ArtifactRoots {
  /** Absolute folders, each ending without a slash. */
  readonly local: string[] = [];
  readonly remote: string[] = [];

  constructor(roots: string[]) {
    for (const root of roots) {
      const local = localPath(root);
      if (local !== undefined) this.local.push(path.resolve(local).replace(/\/+$/, '') || '/');
      else this.remote.push(root.replace(/\/+$/, ''));
    }
  }

  /** The allowed roots, for messages. */
  describe(): string {
    return [...this.local, ...this.remote].join(', ');
  }

  /** True when `folder` (absolute) is a local root or inside one. */
  containsLocal(folder: string): boolean {
    const f = path.resolve(folder);
    return this.local.some((root) => f === root || f.startsWith(root === '/' ? '/' : `${root}/`));
  }

  /** Refuses a client-chosen experiment location outside the roots (400 naming them). */
  checkLocation(location: string): void {
    if (location.startsWith('mlflow-artifacts:')) return;
    let local: string | undefined;
    try {
      local = localPath(location);
    } catch (e) {
      throw new InvalidParameter(`Invalid artifact_location '${location.slice(0, 200)}': ${(e as Error).message}`);
    }
    if (local === undefined) return; // Remote: the client writes there itself.
    if (!path.isAbsolute(local)) {
      throw new InvalidParameter(`Invalid artifact_location '${location.slice(0, 200)}': a relative path is not allowed; give an absolute path inside one of the server's artifact roots (${this.describe()}), or leave it unset.`);
    }
    if (!this.containsLocal(local)) {
      throw new InvalidParameter(`Invalid artifact_location '${location.slice(0, 200)}': it is outside the server's artifact roots (${this.describe()}). Leave it unset, or start the server with --allowed-artifact-roots naming it.`);
    }
  }
}

/** The folder a local location names (path or file: URI); undefined for a remote URI. */
function localPath(location: string): string | undefined {
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'file') return fileURLToPath(location.startsWith('file://') ? location : `file://${location.slice('file:'.length)}`);
  if (scheme) return undefined;
  return location;
}
