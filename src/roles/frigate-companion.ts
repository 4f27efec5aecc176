import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { FrigateService } from '../frigate/frigate.service.js';
import { FrigateMetrics } from '../metrics/frigate.metrics.js';
import type { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import type { Hub } from '../track/hub.service.js';
import type { PhotoAnalyzer } from '../frigate/frigate-event.folder.js';
import type { HubServices } from './hub.services.js';
import type { Role } from './roles.js';

/**
 * Frigate companion mode in the hub role (frigate.enabled): Frigate's events become sightings
 * of this hub (its engine, its tracker, its one sighting service), Frigate's cameras join the
 * hub's camera statuses, its metrics the hub's registry. Start it after the hub, so it closes
 * first: its open events' final sightings still reach the hub and every subscriber.
 */
export function startFrigateCompanion(
  config: Pick<Config, 'frigate' | 'vision'>,
  deps: { engine: PhotoAnalyzer; hub: Hub; services: Pick<HubServices, 'sightings' | 'cameras'>; logger: Logger; metrics?: PipelineMetrics },
): Role & { frigate: FrigateService } {
  const frigate = new FrigateService(config.frigate, {
    analyzer: deps.engine, hub: deps.hub, sightings: deps.services.sightings,
    reportCamera: (s) => deps.services.cameras.report(s),
    logger: deps.logger.child({ component: 'frigate' }),
    metrics: deps.metrics ? new FrigateMetrics(deps.metrics.registry) : undefined,
    cropSize: config.vision.cropSize,
  });
  frigate.start();
  return { frigate, close: () => frigate.close() };
}
