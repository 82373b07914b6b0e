/** @module Wires the pipelines domain to a store: the scheduler, the service and its routes. */
import type { Trainyard } from '../client/trainyard.js';
import type { JsonRoute } from '../core/route.js';
import type { Database } from '../store/index.js';
import { pipelineRoutes } from './routes.js';
import { PipelineScheduler } from './scheduler/scheduler.js';
import { PipelinesService } from './service.js';
import { PipelineStore } from './store/pipeline-store.js';
import { PipelineSchedules } from './schedules/schedules.js';

export interface Pipelines {
  service: PipelinesService;
  scheduler: PipelineScheduler;
  /** Cron schedules; `schedules.start()` arms them (the server does, an embedded CLI does not). */
  schedules: PipelineSchedules;
  routes: JsonRoute[];
  close(): Promise<void>;
}

export function createPipelines(db: Database, opts: { home: string; trainyard?: () => Trainyard; serverUrl?: string; hostUrl?: () => string | undefined; services?: Record<string, unknown> }): Pipelines {
  const scheduler = new PipelineScheduler({
    store: new PipelineStore(db), home: opts.home, ...(opts.trainyard ? { trainyard: opts.trainyard } : {}), ...(opts.serverUrl ? { serverUrl: opts.serverUrl } : {}), ...(opts.hostUrl ? { hostUrl: opts.hostUrl } : {}), ...(opts.services ? { services: opts.services } : {}),
  });
  const service = new PipelinesService(scheduler);
  const schedules = new PipelineSchedules(scheduler);
  return {
    service,
    scheduler,
    schedules,
    routes: pipelineRoutes(service, schedules),
    close: async () => {
      schedules.stop();
      await scheduler.close();
    },
  };
}
