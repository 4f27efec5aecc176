import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../helpers/fake-clock.js';
import { loadConfig } from '../../../src/config/index.js';
import type { IngestConfig } from '../../../src/config/schema.js';
import type { CameraStatus } from '../../../src/contracts/camera.schema.js';
import { CameraStatusLog } from '../../../src/ingest/camera.watchdog.js';
import type { FrameSourceHandlers } from '../../../src/ingest/frame-source.js';
import { IngestManager } from '../../../src/ingest/ingest.manager.js';
import { createLogger, formatLogLine, resolveLogFormat } from '../../../src/ops/logger.js';


/** Lines a logger wrote, parsed (json) or as text (pretty). */
const sink = () => {
  const lines: string[] = [];
  return { lines, write: (s: string) => { lines.push(...s.split('\n').filter(Boolean)); } };
};

describe('log.format', () => {
  it('auto = pretty on a terminal, json otherwise; json and pretty are taken as given', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(loadConfig({ env: {} }).log.format).toBe('auto');
    expect(loadConfig({ env: { FACESTREAM_LOG_FORMAT: 'pretty' } }).log.format).toBe('pretty');
    expect(() => loadConfig({ env: { FACESTREAM_LOG_FORMAT: 'xml' } })).toThrow(/log\.format/);
  });

  it('createLogger writes pino JSON lines (json) or one readable line per event (pretty), at the configured level', () => {
    const json = sink();
    const j = createLogger({ level: 'info', format: 'auto' }, { destination: json, isTTY: false });
    j.debug('hidden');
    j.warn({ camera: 'cam1', state: 'offline', reason: 'Connection refused' }, 'camera cam1 offline: Connection refused (retry in 4 s)');
    expect(json.lines).toHaveLength(1);
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ level: 40, camera: 'cam1', state: 'offline', reason: 'Connection refused', msg: 'camera cam1 offline: Connection refused (retry in 4 s)' });

    const pretty = sink();
    const p = createLogger({ level: 'info', format: 'auto' }, { destination: pretty, isTTY: true, color: false });
    p.debug('hidden');
    p.warn({ camera: 'cam1', state: 'offline', reason: 'Connection refused', reconnects: 3 }, 'camera cam1 offline: Connection refused (retry in 4 s)');
    p.info({ sighting: 7, label: 'Lin-Manuel Miranda', camera: 'door', frames: 4 }, 'sighting');
    p.error({ err: { type: 'Error', message: 'boom', stack: 'Error: boom\n  at x' } }, 'close failed');
    expect(pretty.lines).toHaveLength(3);
    // camera, state and reason are in the message already: not repeated
    expect(pretty.lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}camera cam1 offline: Connection refused \(retry in 4 s\) reconnects=3$/);
    expect(pretty.lines[1]).toMatch(/^\d\d:\d\d:\d\d INFO {2}sighting camera=door sighting=7 label="Lin-Manuel Miranda" frames=4$/);
    expect(pretty.lines[2]).toMatch(/^\d\d:\d\d:\d\d ERROR close failed err=boom$/);
  });

  it('formatLogLine: bookkeeping fields dropped, long values cut, URL credentials masked, non-JSON passes', () => {
    const t = new Date(2025, 0, 1, 9, 5, 7).getTime();
    const line = JSON.stringify({ level: 30, time: t, pid: 1, hostname: 'h', msg: 'camera added', camera: 'door', url: 'rtsp://***:***@cam/x', fps: 2, roles: ['hub', 'vision'] });
    expect(formatLogLine(line)).toBe('09:05:07 INFO  camera added camera=door url=rtsp://***:***@cam/x fps=2 roles=["hub","vision"]\n');
    expect(formatLogLine(JSON.stringify({ level: 40, time: t, msg: 'x', err: 'rtsp://admin:hunter2@cam/x refused' }))).not.toContain('hunter2');
    expect(formatLogLine(JSON.stringify({ level: 30, time: t, msg: 'y', blob: 'a'.repeat(1000) })).length).toBeLessThan(400);
    expect(formatLogLine('not json')).toBe('not json\n');
    expect(formatLogLine(JSON.stringify({ level: 50, time: t, msg: 'z' }), { color: true })).toContain('\x1b[31mERROR');
  });
});

describe('camera status logging', () => {
  afterEach(() => { vi.useRealTimers(); });

  const status = (state: CameraStatus['state'], at: number, extra: Partial<CameraStatus> = {}): CameraStatus => ({
    version: 1, cameraId: 'cam1', name: 'cam1', url: 'rtsp://***:***@cam/x', state, lastFrameAt: null, fps: 0, droppedFps: 0,
    framesTotal: 0, droppedTotal: 0, reconnects: 0, lastError: state === 'offline' || state === 'reconnecting' ? 'Connection refused' : null,
    nextRetryAt: state === 'offline' ? at + 4000 : null, updatedAt: at, ...extra,
  });

  it('a camera offline for 10 minutes, its status published every 2 s and on each retry, logs the change and a few reminders', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const clock = new FakeClock(Date.UTC(2025, 0, 1, 12, 0, 0));
    const out = sink();
    const logger = createLogger({ level: 'info', format: 'json' }, { destination: out });
    const config: IngestConfig = { ...loadConfig({ env: {} }).ingest, stallTimeoutMs: 10_000, backoffInitialMs: 500, backoffMaxMs: 15_000, motionGate: false };
    let down = true;
    const sources: FrameSourceHandlers[] = [];
    const manager = new IngestManager(config, {
      statuses: { publish: async () => {}, remove: async () => {} }, openTracks: { count: async () => 0 },
      producer: { publish: async () => ({ dropped: 0 }), skip: async () => {} }, logger, clock, statusIntervalMs: 2000,
      createSource: (_c, h) => { sources.push(h); return { start: () => { if (down) h.exit('[tcp @ 0x55d0c1] Connection to tcp://cam:554 failed: Connection refused'); }, stop: () => {} }; },
    });
    let published = 0;
    manager.on('status', () => { published++; });
    manager.addCamera({ id: 'cam1', url: 'rtsp://viewer:hunter2@cam:554/x', sampleFps: 2, enabled: true, transport: 'tcp' });
    manager.start();
    const start = clock.now();
    const lines = () => out.lines.map((l) => JSON.parse(l) as { level: number; msg: string; time: number; camera?: string; state?: string; reason?: string });
    const cameraLines = () => lines().filter((l) => l.msg !== 'camera added');
    for (let t = 0; t < 10 * 60_000; t += 2000) {
      clock.advance(2000);
      vi.advanceTimersByTime(2000);
    }
    expect(published).toBeGreaterThan(300); // every tick and retry was published ...
    const offline = cameraLines();
    // ... but logged: the change + reminders after 30 s, 1, 2, 5 and 10 min
    expect(offline.map((l) => l.msg.replace(/[\d.]+ s\)/, 'N s)'))).toEqual([
      'camera cam1 offline: [tcp @ 0x55d0c1] Connection to tcp://cam:554 failed: Connection refused (retry in N s)',
      ...['30 s', '1 min', '2 min', '5 min', '10 min'].map((d) => expect.stringMatching(new RegExp(`^camera cam1 still offline after ${d}: \\[tcp @ 0x55d0c1\\] Connection to tcp://cam:554 failed: Connection refused \\(\\d+ reconnects, (retry in N s|retrying now)\\)$`))),
    ]);
    expect(offline.every((l) => l.level === 40 && l.camera === 'cam1' && l.state === 'offline' && /Connection refused/.test(l.reason ?? ''))).toBe(true);
    expect(out.lines.join('\n')).not.toContain('hunter2');

    // back online: logged at once, however recent the last line
    down = false;
    for (let i = 0; i < 100 && manager.statuses()[0]!.state !== 'reconnecting'; i++) clock.advance(500);
    sources[sources.length - 1]!.frame(Buffer.from([0xff, 0xd8])); // the retried source delivers
    vi.advanceTimersByTime(2000);
    const online = cameraLines().slice(offline.length);
    expect(online.map((l) => l.msg)).toEqual([expect.stringMatching(/^camera cam1 online again after 10 min offline$/)]);
    expect(online[0]!.level).toBe(30);
    expect(clock.now() - start).toBeGreaterThan(10 * 60_000);
    await manager.close();
    expect(cameraLines().at(-1)!.msg).toBe('camera cam1 stopped');
  });

  it('every state change logs, even a camera flapping every second; ticks of an unchanged state do not', () => {
    const log = new CameraStatusLog();
    const t0 = 1_000_000;
    const seen: (string | undefined)[] = [];
    seen.push(log.next(status('connecting', t0))?.msg);
    for (let i = 1; i <= 20; i++) {
      seen.push(log.next(status(i % 2 ? 'online' : 'offline', t0 + i * 1000))?.msg);
      seen.push(log.next(status(i % 2 ? 'online' : 'reconnecting', t0 + i * 1000 + 500))?.msg); // a tick: nothing new
    }
    const logged = seen.filter(Boolean);
    expect(logged).toHaveLength(21);
    expect(logged[0]).toBe('camera cam1 connecting');
    expect(logged[1]).toBe('camera cam1 online');
    expect(logged[2]).toBe('camera cam1 offline: Connection refused (retry in 4 s)');
    expect(logged[3]).toBe('camera cam1 online again after 1 s offline');
    expect(log.next(status('stopped', t0 + 30_000))).toMatchObject({ level: 'info', msg: 'camera cam1 stopped' });
  });

  it('a new failure reason during an outage logs once (a few at most); reminders follow the schedule', () => {
    const log = new CameraStatusLog();
    const t0 = 1_000_000;
    const at = (s: number, reason: string, state: CameraStatus['state'] = 'offline') => log.next(status(state, t0 + s * 1000, { lastError: reason }));
    expect(at(0, 'Connection refused')?.level).toBe('warn');
    expect(at(2, 'Connection refused', 'reconnecting')).toBeNull();
    expect(at(4, '404 Not Found')?.msg).toBe('camera cam1 still offline, now: 404 Not Found (retry in 4 s)');
    expect(at(6, '404 Not Found')).toBeNull();
    expect(at(8, 'Connection refused')).toBeNull(); // seen in this outage already
    expect(at(31, 'Connection refused')?.msg).toBe('camera cam1 still offline after 31 s: Connection refused (0 reconnects, retry in 4 s)');
    expect(at(40, 'Connection refused')).toBeNull();
    // a long silence (no status for 20 min) gives one reminder, not a burst
    expect(at(20 * 60, 'Connection refused')?.msg).toMatch(/after 20 min/);
    expect(at(20 * 60 + 2, 'Connection refused')).toBeNull();
    expect(at(30 * 60, 'Connection refused')?.msg).toMatch(/after 30 min/);
    expect(at(40 * 60 - 2, 'Connection refused')).toBeNull();
    expect(at(2 * 3600 + 5 * 60, 'Connection refused')?.msg).toMatch(/after 2 h 5 min/);
  });
});
