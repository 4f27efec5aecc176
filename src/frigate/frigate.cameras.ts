import { maskUrl } from '../common/mask-url.js';
import type { CameraState, CameraStatus } from '../contracts/camera.schema.js';
import type { FolderActivity } from './frigate-event.folder.js';

interface CameraRow {
  name: string;
  lastEventAt: number | null;
  analysed: number;
  dropped: number;
  lastError: string | null;
}

/**
 * The Frigate cameras as the dashboard lists them, beside facestream's own: one camera status
 * per followed Frigate camera (id `<cameraIdPrefix><name>`, source `frigate`, name `<name>
 * (Frigate)`), reported through the hub's camera statuses (GET /api/cameras, the Socket.IO
 * `camera` event, MQTT). State: online while the broker connection is up and Frigate says it
 * is available; reconnecting / connecting while the broker is away; offline when Frigate said
 * so; stopped once companion mode stops. `framesTotal` counts analysed snapshots, `droppedTotal` dropped work; facestream reads
 * no stream of these cameras (fps 0).
 */
export class FrigateCameras {
  private readonly rows = new Map<string, CameraRow>();
  private readonly dirty = new Set<string>();
  private brokerUp = false;
  private connects = 0;
  private available: boolean | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: { url: string; cameraId: (name: string) => string; follows: (name: string) => boolean },
    private readonly report: (s: CameraStatus) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publish changed cameras at most once a second (snapshot activity can be busy). */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  /** Companion mode stops: its cameras are listed as stopped. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    this.stopped = true;
    this.publishAll();
  }

  /** Facestream camera ids of the Frigate cameras known so far. */
  isFrigateCamera(cameraId: string): boolean {
    for (const name of this.rows.keys()) if (this.options.cameraId(name) === cameraId) return true;
    return false;
  }

  /** A Frigate camera became known (configuration, Frigate's /api/config, an event). */
  add(name: string): void {
    if (this.stopped || this.rows.has(name) || !this.options.follows(name)) return;
    this.rows.set(name, { name, lastEventAt: null, analysed: 0, dropped: 0, lastError: null });
    this.publish(name);
  }

  brokerConnection(up: boolean): void {
    if (up) this.connects++;
    if (this.brokerUp === up || this.stopped) return;
    this.brokerUp = up;
    this.publishAll();
  }

  frigateAvailable(online: boolean): void {
    if (this.available === online || this.stopped) return;
    this.available = online;
    this.publishAll();
  }

  activity(a: FolderActivity): void {
    this.add(a.camera);
    const row = this.rows.get(a.camera);
    if (!row) return;
    if (a.kind === 'event') row.lastEventAt = this.now();
    else if (a.kind === 'analysed') { row.analysed++; row.lastError = null; }
    else if (a.kind === 'failed') row.lastError = a.error.slice(0, 500);
    else row.dropped++;
    this.dirty.add(a.camera);
  }

  statuses(): CameraStatus[] { return [...this.rows.keys()].map((name) => this.status(name)); }

  private state(): CameraState {
    if (this.stopped) return 'stopped';
    if (!this.brokerUp) return this.connects === 0 ? 'connecting' : 'reconnecting';
    return this.available === false ? 'offline' : 'online';
  }

  private status(name: string): CameraStatus {
    const row = this.rows.get(name)!;
    return {
      version: 1, cameraId: this.options.cameraId(name), name: `${name} (Frigate)`,
      url: maskUrl(`${this.options.url.replace(/\/+$/, '')}/api/${name}/latest.jpg`),
      state: this.state(), lastFrameAt: row.lastEventAt, fps: 0, droppedFps: 0,
      framesTotal: row.analysed, droppedTotal: row.dropped, reconnects: Math.max(0, this.connects - 1),
      lastError: row.lastError, nextRetryAt: null, updatedAt: this.now(), source: 'frigate',
    };
  }

  private publish(name: string): void {
    this.dirty.delete(name);
    this.report(this.status(name));
  }

  private publishAll(): void {
    for (const name of this.rows.keys()) this.publish(name);
  }

  private flush(): void {
    for (const name of [...this.dirty]) this.publish(name);
  }
}
