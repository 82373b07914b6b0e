import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../core/errors.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { openArtifactStore } from './open-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

describe('openArtifactStore', () => {
  it('opens the local default under the home folder', () => {
    const store = openArtifactStore(undefined, { home: '/srv/trainyard' });
    expect(store).toBeInstanceOf(LocalArtifactStore);
    expect(store.uri).toBe('/srv/trainyard/artifacts');
    expect(openArtifactStore(undefined).uri).toBe(path.resolve('trainyard-data/artifacts'));
  });

  it('opens folder paths and file:// URLs locally', () => {
    expect(openArtifactStore('/data/artifacts').uri).toBe('/data/artifacts');
    expect(openArtifactStore('rel/artifacts').uri).toBe(path.resolve('rel/artifacts'));
    expect(openArtifactStore(pathToFileURL('/data/with space').href).uri).toBe('/data/with space');
  });

  it('opens s3:// with settings from the given environment', async () => {
    const store = openArtifactStore('s3://ml-artifacts/team-a/', { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.uri).toBe('s3://ml-artifacts/team-a');
    await store.close();
  });

  it.each(['gs://bucket/x', 'http://host/x', 'file://remote-host/x'])('refuses %j, saying what works', (uri) => {
    expect(() => openArtifactStore(uri)).toThrow(InvalidParameter);
  });
});
