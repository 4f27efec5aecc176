import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { DashboardService } from '../../src/api/live/dashboard.service.js';
import { startDashboard } from '../../src/roles/dashboard.role.js';
import type { Config } from '../../src/config/schema.js';
import type { FacePipeline } from '../../src/vision/face.pipeline.js';
import { galleryIdentifier } from '../../src/identify/gallery.identifier.js';
import type { Gallery } from '../../src/identify/gallery.js';
import { startHubServices, type HubServices } from '../../src/roles/hub.services.js';
import { startHubRole, startIngestRole, startVisionRole, type Role } from '../../src/roles/roles.js';
import { dataPath } from './data.js';
import { createTestEngine, testConfig } from './engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from './redis.js';

/**
 * The whole product in this process, as `facestream run` wires it: a file camera (ffmpeg, looped
 * in real time) -> ingest -> Redis/BullMQ -> vision -> hub -> SQLite + dashboard on a free port.
 * The dashboard can be restarted alone (a hub restart as the browser sees it).
 */
export class TestStack {
  dashboard!: DashboardService;
  readonly roles: Role[] = [];
  adminKey = '';
  viewerKey = '';
  personId = '';
  port = 0;

  private constructor(readonly config: Readonly<Config>, readonly engine: FacePipeline, readonly services: HubServices, readonly dataDir: string, readonly prefix: string) {}
  get gallery(): Gallery { return this.services.gallery; }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  static async start(options: { clip: string; enroll: string; api?: Record<string, unknown> }): Promise<TestStack> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fst-e2e-'));
    const prefix = uniquePrefix('e2e-dash');
    const config = testConfig({
      data: { dir: dataDir },
      redis: { url: sharedRedisUrl, prefix },
      api: { host: '127.0.0.1', port: 0, ...options.api },
      ingest: { cameras: [{ id: 'cam1', name: 'Stage', url: dataPath('video', options.clip), sampleFps: 2 }], maxInFlightPerCamera: 3 },
      vision: { maxFrameAgeMs: 4000 },
      track: { closeAfterMs: 1500, minFrames: 2 },
      dashboard: { previewFps: 3 },
      log: { level: 'silent' },
    });
    const engine = await createTestEngine();
    const services = await startHubServices(config, { engine, logger: pino({ level: 'silent' }) });
    const gallery = services.gallery;
    const s = new TestStack(config, engine, services, dataDir, prefix);
    const person = gallery.people.createPerson(options.enroll);
    s.personId = person.id;
    const dir = dataPath('people/gallery', options.enroll);
    for (const f of readdirSync(dir)) await gallery.enrollment.enrollPhoto(person.id, path.join(dir, f));
    s.adminKey = gallery.keys.create('admin', 'e2e admin').key;
    s.viewerKey = gallery.keys.create('viewer', 'e2e viewer').key;
    await s.startDashboard();
    const logger = pino({ level: 'silent' });
    // the sighting service stores every sighting; the current dashboard subscribes (it is restarted by the reconnect test)
    const hub = startHubRole(config, { logger, identifier: galleryIdentifier(gallery.matcher), sink: services.sightings });
    s.roles.push(hub);
    s.hubRole = hub;
    s.dashboard.attachHub(hub.hub);
    s.roles.push(startVisionRole(config, { logger, analyzer: engine, name: 'e2e-vision' }));
    s.roles.push(startIngestRole(config, { logger }));
    return s;
  }

  private hubRole: ReturnType<typeof startHubRole> | undefined;

  async startDashboard(): Promise<void> {
    const config = this.port ? { ...this.config, api: { ...this.config.api, port: this.port } } : this.config;
    this.dashboard = await startDashboard({ config, services: this.services, logger: pino({ level: 'silent' }) });
    this.port = Number(new URL(this.dashboard.address).port);
    if (this.hubRole) this.dashboard.attachHub(this.hubRole.hub);
  }

  /** Stop and start the web side on the same port; the pipeline keeps running meanwhile. */
  async restartDashboard(downMs: number): Promise<void> {
    await this.dashboard.close();
    await new Promise((ok) => setTimeout(ok, downMs));
    await this.startDashboard();
  }

  async close(): Promise<void> {
    for (const r of [...this.roles].reverse()) await r.close().catch(() => {});
    await this.dashboard?.close().catch(() => {});
    await this.services.close();
    this.engine.close();
    await cleanupPrefix(sharedRedisUrl, this.prefix);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
