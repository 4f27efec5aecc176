import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { CameraStatus } from '../../contracts/camera.schema.js';
import { isFaceStreamError } from '../../errors/index.js';
import type { AlertPayload, DeliveryState } from '../../contracts/alert-rule.schema.js';
import type { ApiKeyInfo, KeysRepository } from '../../store/keys.repository.js';
import type { Sighting, SightingsRepository } from '../../store/sightings.repository.js';
import type { CorrectionsService } from './corrections.service.js';
import { clusterKeyPattern, issuePath, safeText } from '../validation.js';
import { ignoreClusterSchema, notThisPersonSchema, resyncRequestSchema, type Ack, type FeedSighting } from './live-events.schema.js';
import type { PreviewFanout } from './preview.fanout.js';
import { toFeed } from './live-events.schema.js';

export interface LiveGatewayDeps {
  httpServer: HttpServer;
  keys: Pick<KeysRepository, 'verify'>;
  sightings: Pick<SightingsRepository, 'search' | 'since'>;
  corrections: Pick<CorrectionsService, 'notThisPerson' | 'ignoreCluster'>;
  preview?: PreviewFanout;
  cameras: () => CameraStatus[];
  cropOf: (sightingId: number) => string | null;
  replayLimit: number;
  previewFps: number;
  logger: Logger;
  /**
   * Counts one failed handshake of a client address; true once the address failed too often
   * (api.failedAuthPerMinute; the dashboard gives @fastify/rate-limit's limiter). None: not limited.
   */
  failedHandshake?: (address: string) => Promise<boolean>;
  /** How often every connected socket's key is checked again (revoked, expired or role changed: disconnected). Default 500 ms. */
  keyRecheckMs?: number;
}

interface SocketData { key: ApiKeyInfo; presented: string }

const errorAck = (code: string, message: string): Ack => ({ ok: false, error: { code, message } });

/** Cluster keys are made by the hub (`<run>-<number>`): the same form the REST route accepts. */
const ignoreClusterMessage = ignoreClusterSchema.refine((b) => clusterKeyPattern.test(b.clusterKey), { path: ['clusterKey'], message: 'not a cluster key' });

/**
 * Socket.IO for the dashboard: the handshake needs an API key (auth.key, or an Authorization /
 * X-API-Key header for other clients) exactly like the REST API; viewers receive everything but
 * every change they emit is refused. Live events: camera, sighting, sightings:removed, preview,
 * alert, delivery. On (re)connect the page sends `resync` with the newest sighting id it has and
 * gets every stored sighting after it (no gaps; the page dedupes by id, so no duplicates).
 */
export class LiveGateway {
  private io: Server | undefined;
  private recheck: NodeJS.Timeout | undefined;
  constructor(private readonly deps: LiveGatewayDeps) {}

  start(): void {
    const io = new Server(this.deps.httpServer, {
      serveClient: true,
      // previews are a few tens of kB; anything much larger is not ours
      maxHttpBufferSize: 256 * 1024,
      pingInterval: 10_000,
      pingTimeout: 8_000,
    });
    io.use((socket, next) => {
      const presented = presentedKey(socket);
      const info = presented ? this.deps.keys.verify(presented) : undefined;
      if (info) {
        (socket.data as SocketData) = { key: info, presented: presented! };
        next();
        return;
      }
      const refused = presented ? 'E_UNAUTHORIZED: invalid or revoked API key' : 'E_UNAUTHORIZED: API key required';
      void (this.deps.failedHandshake?.(socket.handshake.address) ?? Promise.resolve(false)).then(
        (limited) => next(new Error(limited ? 'E_RATE_LIMITED: too many failed authentications from this address; retry in a minute' : refused)),
        () => next(new Error(refused)),
      );
    });
    io.on('connection', (socket) => this.onConnection(socket));
    this.io = io;
    // The key store is the authority, wherever the change came from (`facestream keys revoke`,
    // another hub on the same data): every open socket's key is verified again on a short
    // period, so a revoked key (or one whose role changed) loses its live events within a
    // second, not only at its next change request.
    this.recheck = setInterval(() => this.recheckKeys(), this.deps.keyRecheckMs ?? 500);
    this.recheck.unref();
  }

  /** Disconnect every socket whose key no longer verifies with the role it connected with. */
  recheckKeys(): void {
    const io = this.io;
    if (!io) return;
    const verdicts = new Map<string, ApiKeyInfo | undefined>();
    for (const socket of io.of('/').sockets.values()) {
      const data = socket.data as SocketData | undefined;
      if (!data?.presented) continue;
      if (!verdicts.has(data.presented)) {
        let info: ApiKeyInfo | undefined;
        try { info = this.deps.keys.verify(data.presented); } catch (e) {
          // the store is unreadable: keep the socket (a transient fault); the next sweep decides
          this.deps.logger.warn({ err: (e as Error).message }, 'key re-check failed');
          continue;
        }
        verdicts.set(data.presented, info);
      }
      const info = verdicts.get(data.presented);
      if (info && info.role === data.key.role) continue;
      socket.emit('session:ended', { version: 1, reason: info ? 'role-changed' : 'revoked' });
      socket.disconnect(true);
      this.deps.logger.info({ keyId: data.key.id, reason: info ? 'role-changed' : 'revoked' }, 'socket disconnected: its API key changed');
    }
  }

  private onConnection(socket: Socket): void {
    const data = socket.data as SocketData;
    socket.emit('hello', { version: 1, role: data.key.role, keyName: data.key.name, previewFps: this.deps.previewFps, cameras: this.deps.cameras() });
    this.deps.preview?.addTarget({
      id: socket.id,
      // volatile: if the transport is not writable right now the preview is dropped, not buffered
      send: (msg, drawn) => socket.volatile.timeout(5000).emit('preview', msg, () => drawn()),
    });
    socket.on('disconnect', () => this.deps.preview?.removeTarget(socket.id));

    socket.on('resync', (raw: unknown, ack?: (a: Ack) => void) => {
      if (typeof ack !== 'function') return;
      const req = resyncRequestSchema.safeParse(raw);
      if (!req.success) { ack(errorAck('E_VALIDATION', safeText(req.error.issues[0]?.message ?? 'invalid'))); return; }
      ack({ ok: true, data: { version: 1, ...this.replay(req.data.lastSightingId), cameras: this.deps.cameras() } });
    });

    this.admin(socket, 'sighting:not-this-person', notThisPersonSchema, (b, actor) => {
      const r = this.deps.corrections.notThisPerson(b.sightingId, actor, b.removeSampleId);
      return { sightingId: r.sighting.id, removedSample: r.removedSample, evidence: r.evidence };
    });
    this.admin(socket, 'unknown:ignore', ignoreClusterMessage, (b, actor) => ({ ignored: this.deps.corrections.ignoreCluster(b.clusterKey, actor) }));
  }

  /** Sightings with id > lastId, oldest first (the page inserts them in order); the newest 50 on a first connect. */
  private replay(lastId: number | null): { items: FeedSighting[]; truncated: boolean } {
    const feed = (s: Sighting) => toFeed(s, 'stored', this.deps.cropOf(s.id), 0);
    if (lastId === null) return { items: this.deps.sightings.search({ limit: 50 }).items.reverse().map(feed), truncated: false };
    const rows = this.deps.sightings.since(lastId, this.deps.replayLimit + 1);
    return { items: rows.slice(0, this.deps.replayLimit).map(feed), truncated: rows.length > this.deps.replayLimit };
  }

  private admin<S extends z.ZodType>(socket: Socket, event: string, schema: S, run: (body: z.infer<S>, actor: string) => unknown): void {
    socket.on(event, (raw: unknown, ack?: (a: Ack) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const data = socket.data as SocketData;
      // re-checked per change: a key revoked after the handshake loses its rights at once
      const info = this.deps.keys.verify(data.presented);
      if (!info) { reply(errorAck('E_UNAUTHORIZED', 'API key revoked')); socket.disconnect(true); return; }
      if (info.role !== 'admin') { reply(errorAck('E_FORBIDDEN', `a ${info.role} key cannot change anything`)); return; }
      const body = schema.safeParse(raw);
      if (!body.success) { reply(errorAck('E_VALIDATION', body.error.issues.slice(0, 5).map((i) => `${issuePath(i.path)}: ${safeText(i.message)}`).join('; '))); return; }
      try {
        reply({ ok: true, data: run(body.data, `api-key:${info.id}`) });
      } catch (e) {
        if (isFaceStreamError(e)) reply(errorAck(e.code, e.message));
        else { this.deps.logger.error({ event, err: (e as Error).message }, 'socket action failed'); reply(errorAck('E_INTERNAL', 'internal error')); }
      }
    });
  }

  sighting(s: FeedSighting): void { this.io?.emit('sighting', s); }
  sightingsRemoved(body: { ids?: number[]; personId?: string }): void { this.io?.emit('sightings:removed', { version: 1, ...body }); }
  camera(s: CameraStatus): void { this.io?.emit('camera', s); }
  alert(payload: AlertPayload, delivery: DeliveryState): void {
    // the crop goes to the page as a URL it fetches with its key, not inline to every socket
    const { crop: _crop, ...rest } = payload;
    this.io?.emit('alert', { ...rest, delivery });
  }
  delivery(u: { alertId: number; delivery: DeliveryState; attempts: number; error: string | null }): void { this.io?.emit('delivery', { version: 1, ...u }); }
  peopleChanged(personId: string): void { this.io?.emit('person:changed', { version: 1, personId }); }

  get connections(): number { return this.io?.of('/').sockets.size ?? 0; }

  async close(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    if (this.recheck) clearInterval(this.recheck);
    if (!io) return;
    io.disconnectSockets(true);
    // not io.close(): that would close the HTTP server, which belongs to fastify
    io.engine.close();
  }
}

function presentedKey(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { key?: unknown } | undefined;
  if (typeof auth?.key === 'string' && auth.key.length > 0) return auth.key;
  const h = socket.handshake.headers;
  const m = typeof h.authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(h.authorization.trim()) : null;
  if (m) return m[1];
  const x = h['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

