/**
 * @module Picks the ArtifactStore adapter a URI names: `s3://bucket/prefix` for S3-compatible
 * storage, a folder path or `file://` URL for the local adapter, nothing for the default folder.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameter } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

export interface OpenArtifactStoreOptions {
  /** Trainyard's home (`TRAINYARD_HOME`, default `./trainyard-data`); the default store is `<home>/artifacts`. */
  home?: string;
  /** Where AWS_* settings come from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the artifact store `uri` names. Nothing is touched until the first call on the store.
 *
 * @example
 * openArtifactStore('s3://ml-artifacts/team-a'); // S3; endpoint and keys from AWS_* variables
 * openArtifactStore('/data/artifacts');          // local folder
 * openArtifactStore(undefined, { home });        // <home>/artifacts
 */
export function openArtifactStore(uri: string | undefined, options: OpenArtifactStoreOptions = {}): ArtifactStore {
  if (uri === undefined || uri === '') {
    return new LocalArtifactStore(path.join(options.home ?? 'trainyard-data', 'artifacts'));
  }
  if (uri.startsWith('s3://')) return S3ArtifactStore.fromUri(uri, options.env ?? process.env);
  if (uri.startsWith('file://')) {
    let folder: string;
    try {
      folder = fileURLToPath(uri);
    } catch (e) {
      throw new InvalidParameter(`Artifact store URI '${uri}' is not a valid file:// URL: ${(e as Error).message}`);
    }
    return new LocalArtifactStore(folder);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  if (scheme) {
    throw new InvalidParameter(
      `Artifact store URI '${uri}' uses the unsupported scheme '${scheme[1]}': use a folder path, file:///abs/path or s3://bucket/prefix.`,
    );
  }
  return new LocalArtifactStore(uri);
}
