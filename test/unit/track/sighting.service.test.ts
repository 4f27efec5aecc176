import { describe, expect, it, vi } from 'vitest';
import type { Sighting, SightingUpdate } from '../../../src/contracts/sighting.schema.js';
import { SightingService, type SightingRows, type StoredSightingEvent } from '../../../src/track/sighting.service.js';

/** In-memory sighting rows: each call returns a fresh copy, like the SQLite repository. */
class FakeRows implements SightingRows {
  readonly rows = new Map<number, Sighting>();
  readonly log: ['add' | 'update', number][] = [];
  private nextId = 1;
  failAdd: Error | undefined;

  add(s: Parameters<SightingRows['add']>[0]): Sighting {
    if (this.failAdd) throw this.failAdd;
    const row: Sighting = { bestDistance: null, trackId: null, cropPath: null, metadata: {}, ...s, id: this.nextId++ };
    this.rows.set(row.id, structuredClone(row));
    this.log.push(['add', row.id]);
    return structuredClone(row);
  }

  update(id: number, patch: Partial<Omit<Sighting, 'id'>>): Sighting | undefined {
    const cur = this.rows.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch };
    this.rows.set(id, structuredClone(next));
    this.log.push(['update', id]);
    return structuredClone(next);
  }

  get(id: number): Sighting | undefined {
    const r = this.rows.get(id);
    return r && structuredClone(r);
  }
}

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 600);
const cropOf = (s: string) => Buffer.from(`\xff\xd8${s}\xff\xd9`, 'latin1').toString('base64');

const update = (status: SightingUpdate['status'], over: Partial<SightingUpdate> = {}): SightingUpdate => ({
  version: 1, id: 'cam1:m0abc-1', status, cameraId: 'cam1', trackId: 'm0abc-1',
  personId: 'p-lin', name: 'Lin-Manuel Miranda', unknownId: null, label: 'Lin-Manuel Miranda',
  crop: cropOf('best'), firstSeen: T0, lastSeen: T0 + 400, maxScore: 0.9, meanScore: 0.85, frames: 2, embeddedFrames: 2,
  ...over,
});

const unknown = (status: SightingUpdate['status'], unknownId: number, over: Partial<SightingUpdate> = {}): SightingUpdate =>
  update(status, { id: `cam1:m0abc-${unknownId + 10}`, trackId: `m0abc-${unknownId + 10}`, personId: null, name: null, unknownId, label: `unknown #${unknownId}`, maxScore: null, meanScore: null, ...over });

function harness() {
  const rows = new FakeRows();
  const clusters = { addToCluster: vi.fn((_id: number, _key: string) => {}) };
  const crops = { writeSightingCrop: vi.fn((id: number, _jpeg: Buffer) => `crops/sightings/${id}.jpg`) };
  const logger = { error: vi.fn() };
  const service = new SightingService({ rows, clusters, crops, logger, runId: 'run42' });
  const events: { name: string; event: StoredSightingEvent | Sighting }[] = [];
  service.on('sighting.confirmed', (e) => events.push({ name: 'sighting.confirmed', event: structuredClone(e) }));
  service.on('sighting.closed', (e) => events.push({ name: 'sighting.closed', event: structuredClone(e) }));
  service.on('sighting.relabelled', (s) => events.push({ name: 'sighting.relabelled', event: structuredClone(s) }));
  return { rows, clusters, crops, logger, service, events };
}

describe('SightingService', () => {
  it('a confirmed then closed track is one row: inserted on confirm, the same row updated on close', () => {
    const h = harness();
    h.service.save(update('confirmed'));
    expect(h.rows.rows.size).toBe(1);
    const id = [...h.rows.rows.keys()][0]!;
    h.service.update(update('closed', { lastSeen: T0 + 3000, frames: 9, embeddedFrames: 7, maxScore: 0.95, meanScore: 0.9, crop: cropOf('better') }));

    expect(h.rows.rows.size).toBe(1);
    expect(h.rows.log.filter(([op]) => op === 'add')).toEqual([['add', id]]);
    expect(h.rows.log.every(([, rowId]) => rowId === id)).toBe(true);
    expect(h.rows.log.filter(([op]) => op === 'update').length).toBeGreaterThanOrEqual(1);

    const row = h.rows.get(id)!;
    expect(row).toMatchObject({
      id, cameraId: 'cam1', personId: 'p-lin', label: 'Lin-Manuel Miranda', trackId: 'm0abc-1',
      firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0 + 3000).toISOString(),
      maxScore: 0.95, meanScore: 0.9, frames: 9, cropPath: `crops/sightings/${id}.jpg`,
      metadata: { unknownId: null, sightingId: 'cam1:m0abc-1' },
    });
    expect(row.bestDistance).toBeCloseTo(0.05, 10);

    // the best crop is written for the row (decoded from base64), the latest crop last
    expect(h.crops.writeSightingCrop.mock.calls.map(([rowId, jpeg]) => [rowId, jpeg.toString('latin1')])).toEqual([
      [id, '\xff\xd8best\xff\xd9'],
      [id, '\xff\xd8better\xff\xd9'],
    ]);

    expect(h.events.map((e) => e.name)).toEqual(['sighting.confirmed', 'sighting.closed']);
    const confirmed = h.events[0]!.event as StoredSightingEvent;
    expect(confirmed.crop).toBe(cropOf('best'));
    expect(confirmed.sighting).toMatchObject({ id, frames: 2, lastSeen: new Date(T0 + 400).toISOString(), cropPath: `crops/sightings/${id}.jpg` });
    const closed = h.events[1]!.event as StoredSightingEvent;
    expect(closed).toEqual({ sighting: row, crop: cropOf('better') });
    expect(h.clusters.addToCluster).not.toHaveBeenCalled();
    expect(h.logger.error).not.toHaveBeenCalled();
  });

  it('a track without a crop stores no crop file', () => {
    const h = harness();
    h.service.save(update('confirmed', { crop: null }));
    expect(h.crops.writeSightingCrop).not.toHaveBeenCalled();
    expect(h.rows.get(1)!.cropPath).toBeNull();
    expect((h.events[0]!.event as StoredSightingEvent).crop).toBeNull();
  });

  it('different tracks get different rows; a closed track id seen again starts a new row', () => {
    const h = harness();
    h.service.save(update('confirmed'));
    h.service.save(update('confirmed', { id: 'cam2:x-1', cameraId: 'cam2', trackId: 'x-1' }));
    h.service.update(update('closed'));
    expect(h.rows.rows.size).toBe(2);
    h.service.save(update('confirmed'));
    expect(h.rows.rows.size).toBe(3);
  });

  it('an unknown track is filed under its stranger cluster `${runId}-${unknownId}`', () => {
    const h = harness();
    h.service.save(unknown('confirmed', 17));
    const id = [...h.rows.rows.keys()][0]!;
    expect(h.rows.get(id)).toMatchObject({ personId: null, label: 'unknown #17', maxScore: 0, meanScore: 0, bestDistance: null, metadata: { unknownId: 17 } });
    expect(h.clusters.addToCluster).toHaveBeenCalledWith(id, 'run42-17');
    h.service.update(unknown('closed', 17, { frames: 5 }));
    expect(h.clusters.addToCluster.mock.calls.every(([rowId, key]) => rowId === id && key === 'run42-17')).toBe(true);
    expect(h.rows.rows.size).toBe(1);
  });

  it('relabel(): the row is corrected, sighting.relabelled emitted, and later updates of the open track keep the correction', () => {
    const h = harness();
    h.service.save(update('confirmed'));
    const id = [...h.rows.rows.keys()][0]!;

    const relabelled = h.service.relabel(id, { personId: 'p-ana', label: 'Ana' });
    expect(relabelled).toMatchObject({ id, personId: 'p-ana', label: 'Ana' });
    expect(h.rows.get(id)).toMatchObject({ personId: 'p-ana', label: 'Ana' });
    expect(h.events.at(-1)).toEqual({ name: 'sighting.relabelled', event: relabelled });

    // the tracker still thinks it is Lin: the row keeps Ana, and the rest of the update applies
    h.service.update(update('closed', { frames: 12, lastSeen: T0 + 5000 }));
    expect(h.rows.get(id)).toMatchObject({ personId: 'p-ana', label: 'Ana', frames: 12, lastSeen: new Date(T0 + 5000).toISOString() });
    const closed = h.events.at(-1)!;
    expect(closed.name).toBe('sighting.closed');
    expect((closed.event as StoredSightingEvent).sighting).toMatchObject({ id, personId: 'p-ana', label: 'Ana', frames: 12 });
    expect(h.events.map((e) => e.name)).toEqual(['sighting.confirmed', 'sighting.relabelled', 'sighting.closed']);
  });

  it('relabel() as unknown: a later update naming a person does not undo it', () => {
    const h = harness();
    h.service.save(update('confirmed'));
    h.service.relabel(1, { personId: null, label: 'unknown' });
    h.service.save(update('confirmed', { frames: 4 }));
    expect(h.rows.get(1)).toMatchObject({ personId: null, label: 'unknown', frames: 4 });
  });

  it('relabel() of a missing row answers undefined and announces nothing', () => {
    const h = harness();
    expect(h.service.relabel(99, { personId: 'p-ana', label: 'Ana' })).toBeUndefined();
    expect(h.events).toEqual([]);
  });

  it('a throwing subscriber does not throw into save(); the error is logged and the row is stored', () => {
    const h = harness();
    h.service.on('sighting.confirmed', () => { throw new Error('socket gone'); });
    const later: number[] = [];
    h.service.on('sighting.confirmed', (e) => later.push(e.sighting.id));
    expect(() => h.service.save(update('confirmed'))).not.toThrow();
    expect(h.rows.rows.size).toBe(1);
    expect(h.logger.error).toHaveBeenCalledTimes(1);
    expect(h.logger.error.mock.calls[0]![0]).toMatchObject({ event: 'sighting.confirmed', err: 'socket gone' });
    // the subscribers after the failing one still get the event (alerts after a broken socket)
    expect(later).toEqual([1]);
    // the track is still known: its close updates the same row
    h.service.update(update('closed', { frames: 6 }));
    expect(h.rows.rows.size).toBe(1);
    expect(h.rows.get(1)!.frames).toBe(6);
  });

  it('a throwing rows.add is logged, not thrown, and nothing is announced', () => {
    const h = harness();
    h.rows.failAdd = new Error('SQLITE_BUSY');
    expect(() => h.service.save(update('confirmed'))).not.toThrow();
    expect(h.logger.error).toHaveBeenCalledTimes(1);
    expect(h.logger.error.mock.calls[0]![0]).toMatchObject({ sighting: 'cam1:m0abc-1', err: 'SQLITE_BUSY' });
    expect(h.events).toEqual([]);
    expect(h.crops.writeSightingCrop).not.toHaveBeenCalled();

    // the store recovered: the track's final state is still stored when it closes
    h.rows.failAdd = undefined;
    h.service.update(update('closed', { frames: 7 }));
    expect(h.rows.rows.size).toBe(1);
    expect(h.rows.get(1)).toMatchObject({ frames: 7 });
    expect(h.events.map((e) => e.name)).toEqual(['sighting.closed']);
  });

  it('a throwing crop writer is logged, not thrown', () => {
    const h = harness();
    h.crops.writeSightingCrop.mockImplementation(() => { throw new Error('ENOSPC'); });
    expect(() => h.service.save(update('confirmed'))).not.toThrow();
    expect(h.logger.error).toHaveBeenCalledTimes(1);
    expect(h.events).toEqual([]);
  });

  it('forwards camera status events', () => {
    const h = harness();
    const listeners: ((s: never) => void)[] = [];
    h.service.forwardCameraStatus({ on: (_e, l) => listeners.push(l as (s: never) => void) });
    const seen: unknown[] = [];
    h.service.on('camera.status', (s) => seen.push(s));
    const status = { cameraId: 'cam1', state: 'live' } as never;
    listeners[0]!(status);
    expect(seen).toEqual([status]);
  });
});
