import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A STAND-IN for Frigate's HTTP API (Frigate itself cannot run on these machines): a small HTTP
 * server answering the documented endpoints facestream's companion mode calls, with real photos
 * the test hands it as each event's current snapshot. It is not Frigate: it keeps no recordings,
 * runs no detector and checks only what the documentation states (paths, query parameters,
 * the sub_label body, the login/JWT flow). Shapes follow Frigate 0.14-0.17's documentation:
 *   POST /api/login {user, password}          -> 200, Set-Cookie frigate_token=<JWT> (also accepted as Bearer)
 *   GET  /api/config                          -> { cameras: { <name>: {...} } }
 *   GET  /api/events/<id>/snapshot.jpg?crop=&bbox=&timestamp=&quality=  -> image/jpeg
 *   GET  /api/events/<id>/snapshot-clean.png  -> image/png
 *   POST /api/events/<id>/sub_label {subLabel <= 100 chars, subLabelScore in (0, 1] | null} -> {success, message}
 * Faults can be injected per event: an HTTP 500 or a request that never answers.
 */

export interface StandInRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  status: number;
}

export interface SubLabelCall { eventId: string; subLabel: string; subLabelScore: number | null | undefined }

export type Fault = '500' | 'hang';

export class FrigateStandIn {
  readonly requests: StandInRequest[] = [];
  readonly subLabels: SubLabelCall[] = [];
  private readonly snapshots = new Map<string, { bytes: Buffer; type: string }>();
  private readonly faults = new Map<string, { kind: Fault; times: number; on: 'snapshot' | 'sub_label' }[]>();
  private readonly tokens = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly url: string, private readonly options: { cameras: string[]; user?: { name: string; password: string } }) {}

  static async start(options: { cameras: string[]; user?: { name: string; password: string } }): Promise<FrigateStandIn> {
    const holder: { self?: FrigateStandIn } = {};
    const server = createServer((req, res) => { void holder.self!.handle(req, res); });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const self = new FrigateStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    holder.self = self;
    server.on('connection', (s) => { self.sockets.add(s); s.once('close', () => self.sockets.delete(s)); });
    return self;
  }

  /** What Frigate would serve as the event's snapshot now (its current best). */
  setSnapshot(eventId: string, bytes: Buffer, type = 'image/jpeg'): void { this.snapshots.set(eventId, { bytes, type }); }

  /** The next `times` requests of this kind for the event fail this way. */
  fault(eventId: string, kind: Fault, times = 1, on: 'snapshot' | 'sub_label' = 'snapshot'): void {
    const list = this.faults.get(eventId) ?? [];
    list.push({ kind, times, on });
    this.faults.set(eventId, list);
  }

  /** Every JWT issued so far stops working (Frigate restarted with a new secret, or the session expired). */
  expireTokens(): void { this.tokens.clear(); }

  snapshotRequests(eventId: string): StandInRequest[] {
    return this.requests.filter((r) => r.path.startsWith(`/api/events/${eventId}/snapshot`));
  }

  subLabelsOf(eventId: string): SubLabelCall[] { return this.subLabels.filter((c) => c.eventId === eventId); }

  private takeFault(eventId: string, on: 'snapshot' | 'sub_label'): Fault | undefined {
    const f = this.faults.get(eventId)?.find((x) => x.on === on && x.times > 0);
    if (!f) return undefined;
    f.times--;
    return f.kind;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const entry: StandInRequest = { method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), authorization: req.headers.authorization, status: 0 };
    this.requests.push(entry);
    const body = await new Promise<Buffer>((ok) => { const parts: Buffer[] = []; req.on('data', (c: Buffer) => parts.push(c)); req.on('end', () => ok(Buffer.concat(parts))); });
    const send = (status: number, payload: unknown, headers: Record<string, string | string[]> = {}) => {
      entry.status = status;
      const raw = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
      res.writeHead(status, { 'content-type': Buffer.isBuffer(payload) ? headers['content-type'] as string : 'application/json', 'content-length': String(raw.length), ...headers });
      res.end(raw);
    };

    if (req.method === 'POST' && u.pathname === '/api/login') {
      let creds: { user?: unknown; password?: unknown } = {};
      try { creds = JSON.parse(body.toString('utf8')) as typeof creds; } catch { /* 422 below */ }
      if (typeof creds.user !== 'string' || typeof creds.password !== 'string') return send(422, { detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] });
      const user = this.options.user;
      if (!user || creds.user !== user.name || creds.password !== user.password) return send(401, { message: 'Login failed' });
      // the shape of Frigate's HS256 JWT (header.claims.signature); the stand-in only compares it
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const token = `${b64({ alg: 'HS256' })}.${b64({ sub: user.name, role: 'admin', exp: Math.floor(Date.now() / 1000) + 86400 })}.${randomBytes(16).toString('base64url')}`;
      this.tokens.add(token);
      entry.status = 200;
      res.writeHead(200, { 'set-cookie': `frigate_token=${token}; HttpOnly; Path=/; SameSite=lax`, 'content-length': '0' });
      res.end();
      return;
    }
    if (this.options.user) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const cookie = /(?:^|;\s*)frigate_token=([^;]+)/.exec(req.headers.cookie ?? '');
      const token = m?.[1] ?? cookie?.[1];
      if (!token || !this.tokens.has(token)) return send(401, { message: 'Unauthorized' });
    }

    if (req.method === 'GET' && u.pathname === '/api/config') {
      return send(200, { mqtt: { topic_prefix: 'frigate' }, cameras: Object.fromEntries(this.options.cameras.map((c) => [c, { name: c, enabled: true, snapshots: { enabled: true } }])) });
    }
    const snap = /^\/api\/events\/([^/]+)\/(snapshot\.jpg|snapshot-clean\.png)$/.exec(u.pathname);
    if (req.method === 'GET' && snap) {
      const id = decodeURIComponent(snap[1]!);
      const fault = this.takeFault(id, 'snapshot');
      if (fault === 'hang') { entry.status = -1; this.hung.add(res); return; }
      if (fault === '500') return send(500, { success: false, message: 'Internal Server Error' });
      const s = this.snapshots.get(id);
      if (!s) return send(404, { success: false, message: 'Event not found' });
      return send(200, s.bytes, { 'content-type': snap[2] === 'snapshot-clean.png' ? 'image/png' : s.type });
    }
    const sub = /^\/api\/events\/([^/]+)\/sub_label$/.exec(u.pathname);
    if (req.method === 'POST' && sub) {
      const id = decodeURIComponent(sub[1]!);
      const fault = this.takeFault(id, 'sub_label');
      if (fault === 'hang') { entry.status = -1; this.hung.add(res); return; }
      if (fault === '500') return send(500, { success: false, message: 'Internal Server Error' });
      let b: { subLabel?: unknown; subLabelScore?: unknown } = {};
      try { b = JSON.parse(body.toString('utf8')) as typeof b; } catch { /* 422 below */ }
      const score = b.subLabelScore;
      const scoreOk = score === undefined || score === null || (typeof score === 'number' && score > 0 && score <= 1);
      if (typeof b.subLabel !== 'string' || b.subLabel.length > 100 || !scoreOk) return send(422, { detail: [{ loc: ['body', 'subLabel'], msg: 'invalid', type: 'value_error' }] });
      if (!this.snapshots.has(id)) return send(404, { success: false, message: `Event ${id} not found` });
      this.subLabels.push({ eventId: id, subLabel: b.subLabel, subLabelScore: score as number | null | undefined });
      return send(200, { success: true, message: `Event ${id} sub label set to ${b.subLabel === '' ? 'None' : b.subLabel}` });
    }
    return send(404, { detail: 'Not Found' });
  }

  async close(): Promise<void> {
    for (const r of this.hung) r.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

/** The recorded shape of a `frigate/events` message (0.14: `snapshot_time`; 0.15+: a `snapshot` object). */
export interface EventShape {
  id: string;
  camera: string;
  label?: string;
  /** The snapshot Frigate holds now: its frame time (seconds) and score. */
  snapshot: { frameTime: number; score: number } | null;
  topScore?: number;
  zones?: string[];
  startTime: number;
  endTime?: number | null;
  subLabel?: [string, number] | null;
  /** Which documented shape (default 0.16). */
  shape?: '0.14' | '0.16';
}

function objectOf(e: EventShape): Record<string, unknown> {
  const box = [424, 500, 536, 712];
  const base: Record<string, unknown> = {
    id: e.id, camera: e.camera, frame_time: e.snapshot?.frameTime ?? e.startTime, label: e.label ?? 'person', sub_label: e.subLabel ?? null,
    top_score: e.topScore ?? e.snapshot?.score ?? 0.8, false_positive: false, start_time: e.startTime, end_time: e.endTime ?? null,
    score: e.snapshot?.score ?? 0.8, box, area: 23744, ratio: 0.528, region: [264, 450, 667, 853],
    current_zones: e.zones ?? [], entered_zones: e.zones ?? [], thumbnail: null, has_snapshot: e.snapshot !== null, has_clip: true,
    active: true, stationary: false, motionless_count: 0, position_changes: 1,
    attributes: { face: 0.8 }, current_attributes: [{ label: 'face', box: [442, 506, 534, 524], score: 0.8 }],
  };
  if ((e.shape ?? '0.16') === '0.14') base.snapshot_time = e.snapshot?.frameTime ?? null;
  else base.snapshot = e.snapshot ? { frame_time: e.snapshot.frameTime, box, area: 23744, region: [264, 450, 667, 853], score: e.snapshot.score, attributes: [] } : null;
  return base;
}

/** `{ type, before, after }` as Frigate publishes it on `<prefix>/events`. */
export function frigateEventMessage(type: 'new' | 'update' | 'end', after: EventShape, before: EventShape = after): string {
  return JSON.stringify({ type, before: objectOf(before), after: objectOf(after) });
}
