import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../config/index.js';
import { FaceStreamError } from '../errors/index.js';
import { runCommand } from '../errors/run-command.js';
import { cameraUrlProblem } from '../common/camera-url.policy.js';
import { galleryIdentifier } from '../identify/gallery.identifier.js';
import type { Gallery } from '../identify/gallery.js';
import { maskUrl } from '../common/mask-url.js';
import { PipelineMetrics } from '../metrics/pipeline.metrics.js';
import { createLogger } from '../ops/logger.js';
import { startOps } from '../ops/ops.runtime.js';
import type { OpsDeps } from '../ops/ops.runtime.js';
import { EngineThread } from './engine-thread.js';
import { openFacePipeline } from './face-pipeline.factory.js';
import { startFrigateCompanion } from './frigate-companion.js';
import { startDashboard } from './dashboard.role.js';
import { startHubServices } from './hub.services.js';
import { opsQueues, startHubRole, startIngestRole, startVisionRole, type Role } from './roles.js';
import { METRICS_MESSAGE, VisionProcesses } from './vision-processes.js';

export const roleNames = ['ingest', 'vision', 'hub'] as const;
export type RoleName = (typeof roleNames)[number];

/**
 * Start roles in this process, in dependency order (hub, vision, ingest), and close them in
 * reverse on SIGTERM/SIGINT (or when `stop` resolves). Resolves when they are closed.
 */
export async function runRoles(config: Readonly<Config>, roles: readonly RoleName[], options: { stop?: Promise<void> } = {}): Promise<void> {
  const logger = createLogger(config.log);
  const metrics = new PipelineMetrics(new Registry());
  const started: Role[] = [];
  const extra: (() => void)[] = [];
  const engines: OpsDeps['engines'][number][] = [];
  let store: Gallery | undefined;
  let children: VisionProcesses | undefined;
  // started by a parent with an IPC channel (facestream run's vision children): answer its metrics requests
  const onMessage = (msg: unknown) => {
    const m = msg as { type?: string; id?: number };
    if (m?.type !== METRICS_MESSAGE || typeof m.id !== 'number') return;
    void metrics.registry.getMetricsAsJSON().then((json) => process.send?.({ type: METRICS_MESSAGE, id: m.id, metrics: json }), () => {});
  };
  if (process.send) process.on('message', onMessage);
  logger.info({ roles, redis: maskUrl(config.redis.url), prefix: config.redis.prefix }, 'starting');
  try {
    if (roles.includes('hub')) {
      // the hub's engine (photos: identify, enrol, corrections) on its own thread, so its
      // networks never hold the event loop that serves health, the API and live events
      const engine = await EngineThread.start(config);
      extra.push(() => void engine.close());
      engines.push(engine);
      // closed in reverse: the hub first (its final sightings still reach every subscriber),
      // then the dashboard, then the services (alerts, cameras, gallery)
      const services = await startHubServices(config, { engine, logger });
      started.push(services);
      store = services.gallery;
      // the dashboard (REST API, web page, live events) only subscribes: alerts, webhooks and
      // sighting crops work without it
      const dashboard = config.dashboard.enabled ? await startDashboard({ config, services, logger, httpLogger: { level: config.log.level } }) : undefined;
      if (dashboard) started.push(dashboard);
      const hub = startHubRole(config, { logger, metrics, identifier: galleryIdentifier(services.gallery.matcher), sink: services.sightings });
      dashboard?.attachHub(hub.hub);
      started.push(hub);
      // Frigate's events as sightings of this hub (closed before the hub: their final sightings go through it)
      if (config.frigate.enabled) started.push(startFrigateCompanion(config, { engine, hub: hub.hub, services, logger, metrics }));
    }
    if (roles.includes('vision') && roles.length > 1 && config.vision.processes > 0) {
      // facestream run: vision workers in child processes, off this event loop (ingest, hub, API)
      children = new VisionProcesses(config, logger);
      started.push(children);
    } else if (roles.includes('vision')) {
      const engine = await openFacePipeline(config);
      extra.push(() => engine.close());
      engines.push(engine);
      started.push(startVisionRole(config, { logger, metrics, analyzer: engine, name: `vision-${process.pid}` }));
    }
    if (roles.includes('ingest')) started.push(startIngestRole(config, { logger, metrics }));
    // health, /metrics, retention (hub): started last, so closed first on SIGTERM
    started.push(await startOps({ config, roles, queues: opsQueues(config.redis), logger, metrics, engines, store, ...(children ? { childMetrics: () => children!.metrics(), checks: [children.readiness] } : {}) }));
  } catch (e) {
    process.off('message', onMessage);
    for (const r of started.reverse()) await r.close().catch(() => {});
    for (const x of extra.reverse()) { try { x(); } catch { /* closing anyway */ } }
    throw e;
  }
  await new Promise<void>((ok) => {
    const stop = () => { process.off('SIGTERM', stop); process.off('SIGINT', stop); ok(); };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // a stop asked for while the roles were still starting takes effect now
    void options.stop?.then(stop);
  });
  logger.info('stopping');
  process.off('message', onMessage);
  for (const r of started.reverse()) await r.close().catch((e: Error) => logger.error({ err: e.message }, 'close failed'));
  for (const x of extra.reverse()) { try { x(); } catch (e) { logger.error({ err: (e as Error).message }, 'close failed'); } }
}

/**
 * Quick cameras (`--camera URL ... [--fps N]`, as `facestream run` and the workers take them)
 * added to a loaded configuration, checked by the same camera URL policy as configured ones.
 */
export function withCameras(base: Readonly<Config>, urls: readonly string[] = [], fps?: number): Readonly<Config> {
  if (urls.length === 0) return base;
  if (fps !== undefined && !(Number.isFinite(fps) && fps > 0 && fps <= 60)) throw new FaceStreamError('E_USAGE', `--fps ${fps}: a number of frames per second in (0, 60]`);
  for (const url of urls) {
    const problem = cameraUrlProblem(url, base.ingest);
    if (problem) throw new FaceStreamError('E_CAMERA_URL', problem);
  }
  const cameras = [...base.ingest.cameras, ...urls.map((url, i) => ({ id: `cam${i + 1}`, url, sampleFps: fps ?? 2, enabled: true, transport: 'tcp' as const }))];
  return { ...base, ingest: { ...base.ingest, cameras } } as Readonly<Config>;
}

/**
 * A worker entry point (workers/*.ts): configuration from $FACESTREAM_CONFIG (or --config) and
 * FACESTREAM_*, quick cameras from --camera/--fps; errors as one line.
 */
export function runRolesMain(roles: readonly RoleName[], argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  return runCommand(async () => {
    let values: { camera?: string[]; fps?: string; config?: string };
    try {
      ({ values } = parseArgs({ args: [...argv], options: { camera: { type: 'string', multiple: true }, fps: { type: 'string' }, config: { type: 'string', short: 'c' } }, strict: true }));
    } catch (e) {
      throw new FaceStreamError('E_USAGE', (e as Error).message);
    }
    const config = withCameras(loadConfig({ file: values.config }), values.camera, values.fps === undefined ? undefined : Number(values.fps));
    await runRoles(config, roles);
  });
}
