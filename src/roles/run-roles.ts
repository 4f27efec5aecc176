import pino from 'pino';
import { Registry } from 'prom-client';
import { DashboardService } from '../api/live/dashboard.service.js';
import { loadConfig, type Config } from '../config/index.js';
import { runCommand } from '../errors/run-command.js';
import { galleryIdentifier, storeSightingSink } from '../identify/gallery.adapter.js';
import { openGallery, type Gallery } from '../identify/gallery.js';
import { maskUrl } from '../ingest/mask-url.js';
import { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { startOps } from '../ops/ops.runtime.js';
import type { FacePipeline } from '../vision/face.pipeline.js';
import { openFacePipeline } from './face-pipeline.factory.js';
import { startHubRole, startIngestRole, startVisionRole, type Role } from './roles.js';

export const roleNames = ['ingest', 'vision', 'hub'] as const;
export type RoleName = (typeof roleNames)[number];

/**
 * Start roles in this process, in dependency order (hub, vision, ingest), and close them in
 * reverse on SIGTERM/SIGINT. Resolves when they are closed.
 */
export async function runRoles(config: Readonly<Config>, roles: readonly RoleName[]): Promise<void> {
  const logger = pino({ level: config.log.level });
  const metrics = new PipelineMetrics(new Registry());
  const started: Role[] = [];
  const extra: (() => void)[] = [];
  const engines: FacePipeline[] = [];
  let store: Gallery | undefined;
  logger.info({ roles, redis: maskUrl(config.redis.url), prefix: config.redis.prefix }, 'starting');
  try {
    if (roles.includes('hub')) {
      const engine = await openFacePipeline(config);
      const gallery = openGallery({ dataDir: config.data.dir, engine, settings: config.gallery });
      extra.push(() => gallery.close(), () => engine.close());
      engines.push(engine);
      store = gallery;
      // the dashboard (REST API, web page, live events, alerts) rides on the hub: it sees every sighting
      const dashboard = config.dashboard.enabled ? await DashboardService.start({ config, gallery, logger, httpLogger: { level: config.log.level } }) : undefined;
      if (dashboard) started.push(dashboard);
      const hub = startHubRole(config, { logger, metrics, identifier: galleryIdentifier(gallery.matcher), sink: storeSightingSink(gallery.sightings, dashboard?.onStored) });
      dashboard?.attachHub(hub.hub);
      started.push(hub);
    }
    if (roles.includes('vision')) {
      const engine = await openFacePipeline(config);
      extra.push(() => engine.close());
      engines.push(engine);
      started.push(startVisionRole(config, { logger, metrics, analyzer: engine, name: `vision-${process.pid}` }));
    }
    if (roles.includes('ingest')) started.push(startIngestRole(config, { logger, metrics }));
    // health, /metrics, retention (hub): started last, so closed first on SIGTERM
    started.push(await startOps({ config, roles, logger, metrics, engines, store }));
  } catch (e) {
    for (const r of started.reverse()) await r.close().catch(() => {});
    for (const x of extra.reverse()) { try { x(); } catch { /* closing anyway */ } }
    throw e;
  }
  await new Promise<void>((ok) => {
    const stop = () => { process.off('SIGTERM', stop); process.off('SIGINT', stop); ok(); };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  logger.info('stopping');
  for (const r of started.reverse()) await r.close().catch((e: Error) => logger.error({ err: e.message }, 'close failed'));
  for (const x of extra.reverse()) { try { x(); } catch (e) { logger.error({ err: (e as Error).message }, 'close failed'); } }
}

/** A worker entry point (workers/*.ts): configuration from $FACESTREAM_CONFIG and FACESTREAM_*, errors as one line. */
export function runRolesMain(roles: readonly RoleName[]): Promise<void> {
  return runCommand(() => runRoles(loadConfig(), roles));
}
