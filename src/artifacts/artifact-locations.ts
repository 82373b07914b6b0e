import { InvalidParameter } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import type { ArtifactRoots } from './artifact-roots.js';
import { openArtifactStore } from './open-artifact-store.js';
import { normalizeArtifactPath } from './safe-path.js';

const PROXY = 'mlflow-artifacts:';

/**
 * Maps artifact URIs to a store and a path in it. `mlflow-artifacts:/<exp>/<run>/artifacts`
 * (the proxy scheme MLflow clients use) lives in the server's own store; an experiment with its
 * own location (a folder or `s3://...`) gets a store opened for that location, kept for reuse.
 */
export class ArtifactLocations {
  private readonly others = new Map<string, ArtifactStore>();
  /** `roots`: when given (a server), a local location outside them is never opened. */
  constructor(readonly defaultStore: ArtifactStore, private readonly roots?: ArtifactRoots) {}

  /** The store and store-relative path of `relPath` under `artifactUri`; the path is validated first. */
  resolve(artifactUri: string, relPath = ''): { store: ArtifactStore; path: string } {
    const rel = normalizeArtifactPath(relPath);
    if (artifactUri.startsWith(PROXY)) {
      const root = artifactUri.slice(PROXY.length).replace(/^\/+/, '').replace(/\/+$/, '');
      return { store: this.defaultStore, path: [root, rel].filter(Boolean).join('/') };
    }
    if (/^(runs|models):/.test(artifactUri)) throw new InvalidParameter(`Artifact URI '${artifactUri}' cannot be read directly; resolve it to a run first.`);
    // An experiment row from before roots were enforced may name any folder: refuse to open it.
    this.roots?.checkLocation(artifactUri);
    let store = this.others.get(artifactUri);
    if (!store) this.others.set(artifactUri, (store = openArtifactStore(artifactUri)));
    return { store, path: rel };
  }

  /**
   * True when the server reads and writes `artifactUri` itself: its proxy, or a location inside
   * its roots (everything when no roots were configured: the embedded SDK).
   */
  manages(artifactUri: string): boolean {
    if (artifactUri.startsWith(PROXY) || !this.roots) return true;
    if (/^[a-z][a-z0-9+.-]+:/i.test(artifactUri) && !artifactUri.startsWith('file:')) {
      return this.roots.remote.some((r) => artifactUri === r || artifactUri.startsWith(`${r}/`));
    }
    try {
      this.roots.checkLocation(artifactUri);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const s of this.others.values()) await s.close();
    await this.defaultStore.close();
  }
}
