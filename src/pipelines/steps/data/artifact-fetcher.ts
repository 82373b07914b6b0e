/**
 * @module Fetches a `runs:/<run_id>/<path>` artifact through the SDK (server or embedded), so a
 * transform or model logged by a step can be loaded anywhere a Trainyard client reaches.
 */
import type { Readable } from 'node:stream';
import { InvalidParameter } from '../../../core/errors.js';
import type { Trainyard } from '../../../client/index.js';
import type { ArtifactFetcher } from '../features/transform.js';

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

export function trainyardFetcher(ty: Trainyard): ArtifactFetcher {
  return {
    async downloadArtifact(uri: string): Promise<Buffer> {
      const m = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
      if (!m) throw new InvalidParameter(`Artifact URI '${uri}': expected runs:/<run_id>/<path>.`);
      const run = await ty.getRun(m[1]!);
      const conn = await ty.connection();
      return collect(await conn.artifacts.download(run.info.artifact_uri, m[2]!));
    },
  };
}
