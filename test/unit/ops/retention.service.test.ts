import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBefore } from '../../../src/cli/commands/ops.command.js';
import type { Clock } from '../../../src/common/clock.js';
import { cutoffsAt, RetentionService } from '../../../src/ops/retention.service.js';
import { DataStore } from '../../../src/store/data.store.js';

const day = 24 * 3600 * 1000;
const t0 = Date.parse('2025-06-01T12:00:00Z');

class FakeClock implements Pick<Clock, 'now'> {
  constructor(public t: number) {}
  now(): number { return this.t; }
}

describe('retention', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  /** A store with sightings last seen `ages` days before t0, each with a crop file. */
  function setup() {
    const dir = mkdtempSync(path.join(tmpdir(), 'fs-retention-'));
    dirs.push(dir);
    const store = DataStore.open(dir);
    const person = store.people.create('Ada');
    mkdirSync(path.join(dir, 'crops', 'sightings'), { recursive: true });
    const add = (ageDays: number, known: boolean) => {
      const at = new Date(t0 - ageDays * day).toISOString();
      const s = store.sightings.add({ cameraId: 'cam1', personId: known ? person.id : null, label: known ? 'Ada' : 'unknown', firstSeen: at, lastSeen: at, maxScore: 0.9, meanScore: 0.9, frames: 3 });
      const rel = path.join('crops', 'sightings', `${s.id}.jpg`);
      writeFileSync(path.join(dir, rel), 'jpeg');
      store.sightings.update(s.id, { cropPath: rel });
      return s.id;
    };
    return { dir, store, person, add };
  }

  it('computes cutoffs from the clock; 0 keeps forever; unknownDays 0 falls back to sightingsDays', () => {
    expect(cutoffsAt(t0, { sightingsDays: 30, unknownDays: 7, alertsDays: 0 })).toEqual({
      sightings: new Date(t0 - 30 * day).toISOString(), unknown: new Date(t0 - 7 * day).toISOString(), alerts: undefined,
    });
    expect(cutoffsAt(t0, { sightingsDays: 10, unknownDays: 0, alertsDays: 1 }).unknown).toBe(new Date(t0 - 10 * day).toISOString());
    expect(cutoffsAt(t0, { sightingsDays: 0, unknownDays: 0, alertsDays: 0 })).toEqual({ sightings: undefined, unknown: undefined, alerts: undefined });
  });

  it('deletes expired sightings and their crops, unknown faces sooner; dry run deletes nothing; the audit log records it', () => {
    const { dir, store, add } = setup();
    const keepKnown = add(20, true), oldKnown = add(31, true), keepUnknown = add(3, false), oldUnknown = add(8, false);
    const clock = new FakeClock(t0);
    const service = new RetentionService(store.retention, dir, clock, { sightingsDays: 30, unknownDays: 7, alertsDays: 90 });

    const dry = service.runScheduled({ dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, sightings: 2, unknownSightings: 1, crops: 2 });
    expect(store.sightings.search().total).toBe(4);

    const r = service.runScheduled();
    expect(r).toMatchObject({ dryRun: false, sightings: 2, unknownSightings: 1, crops: 2, orphanCrops: 0 });
    const left = store.sightings.search().items.map((s) => s.id).sort();
    expect(left).toEqual([keepKnown, keepUnknown].sort());
    expect(readdirSync(path.join(dir, 'crops', 'sightings')).sort()).toEqual([`${keepKnown}.jpg`, `${keepUnknown}.jpg`].sort());
    expect(existsSync(path.join(dir, 'crops', 'sightings', `${oldKnown}.jpg`))).toBe(false);
    expect(existsSync(path.join(dir, 'crops', 'sightings', `${oldUnknown}.jpg`))).toBe(false);
    expect(store.audit.list().find((a) => a.actor === 'retention')?.details).toMatchObject({ sightings: 2 });

    // time passes: the fake clock, not the wall clock, decides what expires
    clock.t = t0 + 5 * day;
    expect(service.runScheduled()).toMatchObject({ sightings: 1, unknownSightings: 1 });
    expect(store.sightings.search().items.map((s) => s.id)).toEqual([keepKnown]);
    clock.t = t0 + 11 * day;
    expect(service.runScheduled()).toMatchObject({ sightings: 1, unknownSightings: 0 });
    expect(store.sightings.search().total).toBe(0);
    store.close();
  });

  it('removes stranger-cluster rows with their sightings and orphan crop files without rows', () => {
    const { dir, store, add } = setup();
    const old = add(8, false);
    store.db.prepare('INSERT INTO unknown_clusters (sighting_id, cluster_key) VALUES (?, ?)').run(old, 'u1');
    writeFileSync(path.join(dir, 'crops', 'sightings', '999.jpg'), 'orphan');
    const service = new RetentionService(store.retention, dir, new FakeClock(t0), { sightingsDays: 30, unknownDays: 7, alertsDays: 90 });
    expect(service.runScheduled()).toMatchObject({ sightings: 1, crops: 1, orphanCrops: 1 });
    expect((store.db.prepare('SELECT count(*) AS n FROM unknown_clusters').get() as { n: number }).n).toBe(0);
    expect(readdirSync(path.join(dir, 'crops', 'sightings'))).toEqual([]);
    store.close();
  });

  it('manual purge: one cutoff for everything, including known people', () => {
    const { dir, store, add } = setup();
    add(2, true); add(40, true); add(40, false);
    const service = new RetentionService(store.retention, dir, new FakeClock(t0), { sightingsDays: 0, unknownDays: 0, alertsDays: 0 });
    expect(service.runScheduled()).toMatchObject({ sightings: 0 });
    const before = new Date(t0 - 10 * day).toISOString();
    expect(service.purge({ sightings: before, unknown: before, alerts: before })).toMatchObject({ sightings: 2, unknownSightings: 1 });
    expect(store.sightings.search().total).toBe(1);
    store.close();
  });

  it('parses --before dates and rejects nonsense', () => {
    expect(parseBefore('2025-01-31')).toBe('2025-01-31T00:00:00.000Z');
    expect(parseBefore('2025-01-31T10:00:00+02:00')).toBe('2025-01-31T08:00:00.000Z');
    expect(() => parseBefore('last tuesday')).toThrow(/not a date/);
  });
});
