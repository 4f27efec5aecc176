import { existsSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { isFaceStreamError } from '../../errors/index.js';
import type { FacesJob } from '../../contracts/faces.schema.js';
import type { Sighting } from '../../contracts/sighting.schema.js';
import type { CameraStatus } from '../../contracts/camera.schema.js';
import type { AlertRule } from '../../contracts/alert-rule.schema.js';
import type { DeliveryUpdate } from '../../notify/webhook.dispatcher.js';
import type { AlertEvent } from '../../store/alert-rules.repository.js';
import { resolveInDataDir } from '../../store/data-paths.js';
import type { HubFace } from '../../track/hub.service.js';
import type { Gallery } from '../../identify/gallery.js';
import type { Alerting } from '../../notify/alerting.js';
import type { CameraStatusSource } from '../../track/camera-status.source.js';
import type { SightingService, StoredSightingEvent } from '../../track/sighting.service.js';
import { registerAlertsRoutes } from '../routes/alerts.routes.js';
import { registerDashboardRoutes } from '../routes/dashboard.routes.js';
import { registerUnknownsRoutes } from '../routes/unknowns.routes.js';
import { buildApiServer, type ApiServerOptions } from '../server.js';
import { SchemaRegistry } from '../validation.js';
import { CorrectionsService } from './corrections.service.js';
import { toFeed } from './live-events.schema.js';
import { LiveGateway } from './live.gateway.js';
import { PreviewFanout, type PreviewFrames } from './preview.fanout.js';

/** The folder of the dashboard's static files: web/ at the repository root (from src/ or dist/src/). */
export function findWebDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'web', 'index.html'))) return path.join(dir, 'web');
    dir = path.dirname(dir);
  }
  throw new Error('dashboard files (web/index.html) not found above ' + path.dirname(fileURLToPath(import.meta.url)));
}

/** Only the page's own origin; no inline script or style: an injected name can never run. */
const contentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/** How long closing waits for requests in flight before it cuts the connections still open. */
const CLOSE_GRACE_MS = 3000;

/** The hub's services the dashboard subscribes to (roles/hub.services.ts starts them). */
export interface DashboardServices {
  readonly gallery: Gallery;
  readonly sightings: SightingService;
  readonly cameras: CameraStatusSource;
  readonly alerting: Alerting;
}

export interface DashboardOptions {
  config: Pick<Config, 'api' | 'dashboard' | 'data' | 'notify'>;
  /** The hub's gallery, sighting service, camera statuses and alerting: the dashboard only subscribes. */
  services: DashboardServices;
  logger: Logger;
  /** fastify's request log (pino options), false = none (default). */
  httpLogger?: ApiServerOptions['logger'];
  /** The newest camera frames for live previews (queue/preview.store.ts, on a connection of its own): closed with the dashboard. */
  preview: PreviewFrames & { close(): Promise<void> };
  webDir?: string;
}

/**
 * The hub's web face: REST API (gallery + dashboard + alerts routes), the static dashboard and
 * Socket.IO live events, on one fastify app. It stores nothing of a sighting and evaluates no
 * alert rule: it subscribes to the hub's SightingService, camera statuses and Alerting, and
 * draws the hub's frames (attachHub()).
 */
export class DashboardService {
  readonly corrections: CorrectionsService;
  readonly preview: PreviewFanout;
  private gatewayRef: LiveGateway | undefined;
  private appRef: FastifyInstance | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  /** Every TCP connection of the HTTP server, upgraded ones (Socket.IO websockets) included. */
  private readonly connections = new Set<Socket>();
  address = '';

  private constructor(private readonly options: DashboardOptions) {
    const { config, services, logger } = options;
    this.corrections = new CorrectionsService(services.gallery, services.sightings);
    this.preview = new PreviewFanout({ frames: options.preview, fps: config.dashboard.previewFps, logger });
  }

  /** Subscribe to an emitter for as long as the dashboard runs. */
  private listen<A extends unknown[]>(emitter: { on(e: string, l: (...a: A) => void): unknown; off(e: string, l: (...a: A) => void): unknown }, event: string, l: (...a: A) => void): void {
    emitter.on(event, l);
    this.unsubscribe.push(() => emitter.off(event, l));
  }

  /** Build, listen on api.host:api.port, start live events and webhook delivery. */
  static async start(options: DashboardOptions): Promise<DashboardService> {
    const d = new DashboardService(options);
    try {
      await d.startInner();
    } catch (e) {
      await d.close().catch(() => {});
      throw e;
    }
    return d;
  }

  private async startInner(): Promise<void> {
    const { config, services } = this.options;
    const { gallery, sightings, cameras, alerting } = services;
    const feed = (status: 'confirmed' | 'closed') => (e: StoredSightingEvent) => this.gatewayRef?.sighting(toFeed(e.sighting, status, e.crop));
    this.listen(sightings, 'sighting.confirmed', feed('confirmed'));
    this.listen(sightings, 'sighting.closed', feed('closed'));
    this.listen(sightings, 'sighting.relabelled', (s: Sighting) => this.gatewayRef?.sighting(toFeed(s, 'stored', this.cropBase64(s.id))));
    this.listen(sightings, 'camera.status', (s: CameraStatus) => { this.preview.addCamera(s.cameraId); this.gatewayRef?.camera(s); });
    this.listen(alerting, 'alert', (event: AlertEvent, _rule: AlertRule) => this.gatewayRef?.alert(event.payload, event.delivery));
    this.listen(alerting, 'delivery', (u: DeliveryUpdate) => this.gatewayRef?.delivery(u));
    for (const s of cameras.statuses()) this.preview.addCamera(s.cameraId);

    const app = await buildApiServer({ gallery, api: config.api, logger: this.options.httpLogger ?? false });
    this.appRef = app;
    app.server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    await app.register(async (child) => {
      // this context validates with its own registry (fastify encapsulates validator compilers)
      const schemas = new SchemaRegistry();
      schemas.install(child);
      registerDashboardRoutes(child, { sightings: gallery.sightings, audit: gallery.audit, corrections: this.corrections, cameras: () => cameras.statuses(), cropOf: (id) => this.crop(id), limits: { maxUploadBytes: config.api.maxUploadBytes, maxFiles: config.api.maxFiles } }, schemas);
      registerAlertsRoutes(child, { rules: alerting.rules, alerts: alerting.alerts, audit: gallery.audit, allowPrivateTargets: config.notify.allowPrivateTargets }, schemas);
      registerUnknownsRoutes(child, this.corrections, schemas, (personId) => { if (personId) this.gatewayRef?.peopleChanged(personId); });
    });
    // changes made through the gallery's own routes reach every open page
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode >= 300 || req.method === 'GET') return;
      const m = /^\/api\/people\/:id(\/samples(\/:sampleId)?)?$/.exec(req.routeOptions.url ?? '');
      if (!m) return;
      const id = (req.params as { id: string }).id;
      if (req.method === 'DELETE' && !m[1]) this.gatewayRef?.sightingsRemoved({ personId: id });
      this.gatewayRef?.peopleChanged(id);
    });
    // the static dashboard needs no key (it asks for one); strict CSP on its pages
    await app.register(async (child) => {
      child.addHook('onRoute', (route) => { route.config = { ...(route.config as object), public: true } as typeof route.config; });
      child.addHook('onSend', async (_req, reply, payload) => {
        reply.header('content-security-policy', contentSecurityPolicy);
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        return payload;
      });
      await child.register(fastifyStatic, { root: this.options.webDir ?? findWebDir(), prefix: '/', index: ['index.html'], cacheControl: false });
    });
    await app.ready();
    const gateway = new LiveGateway({
      httpServer: app.server, keys: gallery.keys, sightings: gallery.sightings, corrections: this.corrections,
      preview: this.preview, cameras: () => cameras.statuses(), cropOf: (id) => this.cropBase64(id),
      replayLimit: config.dashboard.replayLimit, previewFps: config.dashboard.previewFps, logger: this.options.logger,
      failedHandshake: failedHandshakeLimiter(app, config.api.failedAuthPerMinute),
    });
    gateway.start();
    this.gatewayRef = gateway;
    this.preview.start();
    this.address = await app.listen({ host: config.api.host, port: config.api.port });
    this.options.logger.info({ address: this.address }, 'dashboard and API listening');
  }

  /**
   * Stop listening and let requests in flight finish for up to CLOSE_GRACE_MS; then destroy every
   * connection still open. Without the deadline one websocket that came in while the gateway was
   * closing (a browser reconnecting), or a peer that never answers the websocket close, keeps the
   * HTTP server, and so a restart on the same port, waiting forever.
   */
  private async closeServer(): Promise<void> {
    const app = this.appRef;
    if (!app) return;
    const deadline = setTimeout(() => { for (const s of this.connections) s.destroy(); }, CLOSE_GRACE_MS);
    try {
      await app.close();
    } finally {
      clearTimeout(deadline);
    }
  }

  get app(): FastifyInstance { return this.appRef!; }
  get gateway(): LiveGateway { return this.gatewayRef!; }

  /** Live previews get the hub's boxes and names. */
  attachHub(hub: { on(e: 'frame', l: (job: FacesJob, faces: HubFace[]) => void): unknown; off(e: 'frame', l: (job: FacesJob, faces: HubFace[]) => void): unknown }): void {
    this.listen(hub, 'frame', (job: FacesJob, faces: HubFace[]) => this.preview.onFrame(job, faces));
  }

  /** A sighting's best crop (JPEG); throws E_PATH_OUTSIDE_DATA_DIR for a stored path that leaves the data directory. */
  private crop(id: number): Buffer | undefined {
    const { gallery } = this.options.services;
    const s = gallery.sightings.get(id);
    const abs = s?.cropPath ? resolveInDataDir(gallery.dataDir, s.cropPath) : undefined;
    return abs && existsSync(abs) ? readFileSync(abs) : undefined;
  }

  /** For live events: a refused crop path is logged and the event goes out without the crop. */
  private cropBase64(id: number): string | null {
    try {
      return this.crop(id)?.toString('base64') ?? null;
    } catch (e) {
      if (!isFaceStreamError(e) || e.code !== 'E_PATH_OUTSIDE_DATA_DIR') throw e;
      this.options.logger.warn({ sighting: id, err: e.message }, 'sighting crop not sent');
      return null;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      const step = async (f: () => unknown) => { try { await f(); } catch (e) { errors.push(e); } };
      for (const off of this.unsubscribe) off();
      await step(() => this.preview.close());
      await step(() => this.gatewayRef?.close());
      await step(() => this.closeServer());
      await step(() => this.options.preview.close());
      if (errors.length) throw new AggregateError(errors, 'DashboardService.close failed');
    })();
    return this.closing;
  }
}

/**
 * Failed Socket.IO handshakes per client address, counted by the REST API's @fastify/rate-limit
 * (its own key space: REST and handshakes each get api.failedAuthPerMinute a minute).
 */
function failedHandshakeLimiter(app: FastifyInstance, max: number): (address: string) => Promise<boolean> {
  const limiter = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (req) => `socket:${req.ip}` });
  return async (address) => {
    const r = await limiter({ ip: address, routeOptions: {} } as unknown as FastifyRequest);
    return !r.isAllowed && r.isExceeded;
  };
}
