import { describe, expect, it } from 'vitest';
import { CameraWatchdog } from '../../../src/ingest/camera.watchdog.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import type { FrameSourceHandlers } from '../../../src/ingest/frame-source.js';
import type { CameraStatus } from '../../../src/contracts/camera.schema.js';


function setup() {
  const clock = new FakeClock();
  const sources: { h: FrameSourceHandlers; stopped: boolean }[] = [];
  const statuses: CameraStatus[] = [];
  const frames: number[] = [];
  const w = new CameraWatchdog(
    { id: 'cam1', url: 'rtsp://user:pw@host/x', sampleFps: 2, enabled: true, transport: 'tcp' },
    { stallTimeoutMs: 5000, backoffInitialMs: 1000, backoffMaxMs: 8000 },
    {
      clock, random: () => 1,
      createSource: (_c, h) => { const s = { h, stopped: false }; sources.push(s); return { start() {}, stop() { s.stopped = true; } }; },
      onFrame: (_j, at) => frames.push(at),
      onStatus: (s) => statuses.push(s),
    },
  );
  return { clock, sources, statuses, frames, w };
}

describe('CameraWatchdog', () => {
  it('goes online on the first frame and restarts with growing, capped backoff after exits', () => {
    const { clock, sources, statuses, frames, w } = setup();
    w.start();
    expect(w.status().state).toBe('connecting');
    sources[0]!.h.frame(Buffer.from([1]));
    expect(w.status().state).toBe('online');
    expect(frames).toHaveLength(1);
    sources[0]!.h.exit('Connection refused by rtsp://user:pw@host/x');
    const off = w.status();
    expect(off.state).toBe('offline');
    expect(off.lastError).not.toContain('pw');
    expect(off.lastError).toContain('Connection refused');
    expect(sources[0]!.stopped).toBe(true);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = clock.now();
      const due = w.status().nextRetryAt!;
      delays.push(due - before);
      clock.advance(due - before);
      expect(w.status().state).toBe('reconnecting');
      sources[sources.length - 1]!.h.exit('still down');
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(w.status().reconnects).toBe(6);
    // late callbacks of a replaced source are ignored
    sources[0]!.h.frame(Buffer.from([1]));
    expect(frames).toHaveLength(1);
    expect(statuses.every((s) => !s.url.includes('pw'))).toBe(true);
  });

  it('treats a stalled or silent source as failed and resets the backoff once frames flow', () => {
    const { clock, sources, w } = setup();
    w.start();
    clock.advance(5001);
    expect(w.status().state).toBe('offline');
    expect(w.status().lastError).toMatch(/no frame within/);
    clock.advance(1000);
    sources[1]!.h.frame(Buffer.from([1]));
    expect(w.status().state).toBe('online');
    clock.advance(4000);
    sources[1]!.h.frame(Buffer.from([1]));
    clock.advance(4000);
    expect(w.status().state).toBe('online');
    clock.advance(1001);
    expect(w.status().state).toBe('offline');
    expect(w.status().lastError).toMatch(/stalled/);
    expect(w.status().nextRetryAt! - (clock.now() - 1)).toBe(1000); // attempts were reset (failed 1 ms ago)
  });

  it('close stops the source and every timer; idempotent', () => {
    const { clock, sources, w } = setup();
    w.start();
    sources[0]!.h.exit('boom');
    w.close();
    w.close();
    clock.advance(60_000);
    expect(sources).toHaveLength(1);
    expect(w.status().state).toBe('stopped');
  });

  it('reports fps and dropped fps over a sliding window', () => {
    const { clock, sources, w } = setup();
    w.start();
    for (let i = 0; i < 20; i++) { sources[0]!.h.frame(Buffer.from([1])); clock.advance(500); }
    w.recordDropped(10);
    expect(w.status().fps).toBe(2);
    expect(w.status().droppedFps).toBe(1);
    expect(w.status().framesTotal).toBe(20);
  });
});
