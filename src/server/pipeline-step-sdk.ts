/**
 * @module The SDK a TypeScript pipeline step gets (`ctx.trainyard`, `ctx.run()`): the same
 * routes this process serves, called in-process on the same store, so a step never opens a
 * second database connection or goes through HTTP to reach its own server.
 */
import type { ArtifactLocations } from '../artifacts/index.js';
import { StoreArtifactClient } from '../client/artifact-client.js';
import type { Connection } from '../client/connect.js';
import { InProcessTransport } from '../client/transport.js';
import { Trainyard } from '../client/trainyard.js';
import type { JsonRoute } from '../core/route.js';

export function pipelineStepSdk(routes: JsonRoute[], locations: ArtifactLocations): () => Trainyard {
  let sdk: Trainyard | undefined;
  return () => {
    if (!sdk) {
      // Built on first use: `routes` is filled after this factory is made.
      const t = new InProcessTransport(routes, 'pipeline-step');
      const connection: Connection = Object.assign(t, { artifacts: new StoreArtifactClient(locations.defaultStore), mode: 'embedded' as const, close: async () => {} });
      sdk = new Trainyard({ connection, capture: false });
    }
    return sdk;
  };
}
