import type { Sighting } from '../contracts/sighting.schema.js';
import type { Db } from './database.js';

export type { Sighting };


export type NewSighting = Omit<Sighting, 'id' | 'metadata' | 'bestDistance' | 'trackId' | 'cropPath'> & Partial<Pick<Sighting, 'metadata' | 'bestDistance' | 'trackId' | 'cropPath'>>;

export interface SightingQuery {
  personId?: string;
  cameraId?: string;
  /** ISO time: sightings still visible at or after it (last_seen >= from). */
  from?: string;
  /** ISO time: sightings that started at or before it (first_seen <= to). */
  to?: string;
  unknownOnly?: boolean;
  limit?: number;
  offset?: number;
}

interface Row { id: number; camera_id: string; person_id: string | null; label: string; first_seen: string; last_seen: string; max_score: number; mean_score: number; best_distance: number | null; frames: number; crop_path: string | null; track_id: string | null; metadata: string }

const toSighting = (r: Row): Sighting => ({
  id: r.id, cameraId: r.camera_id, personId: r.person_id, label: r.label, firstSeen: r.first_seen, lastSeen: r.last_seen,
  maxScore: r.max_score, meanScore: r.mean_score, bestDistance: r.best_distance, frames: r.frames, cropPath: r.crop_path,
  trackId: r.track_id, metadata: JSON.parse(r.metadata) as Record<string, unknown>,
});

const utc = (t: string): string => new Date(t).toISOString();

export class SightingsRepository {
  constructor(private readonly db: Db) {}

  /** Times are stored as UTC ISO strings (toISOString) so they sort and compare as text. */
  add(s: NewSighting): Sighting {
    const r = this.db.prepare(`INSERT INTO sightings (camera_id, person_id, label, first_seen, last_seen, max_score, mean_score, best_distance, frames, crop_path, track_id, metadata)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(s.cameraId, s.personId, s.label, utc(s.firstSeen), utc(s.lastSeen), s.maxScore, s.meanScore, s.bestDistance ?? null, s.frames, s.cropPath ?? null, s.trackId ?? null, JSON.stringify(s.metadata ?? {}));
    return this.get(Number(r.lastInsertRowid))!;
  }

  /** Extend a running track: later last_seen, more frames, updated scores. */
  update(id: number, patch: Partial<Pick<Sighting, 'lastSeen' | 'maxScore' | 'meanScore' | 'bestDistance' | 'frames' | 'cropPath' | 'personId' | 'label'>>): Sighting | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const n = { ...cur, ...patch };
    this.db.prepare('UPDATE sightings SET last_seen = ?, max_score = ?, mean_score = ?, best_distance = ?, frames = ?, crop_path = ?, person_id = ?, label = ? WHERE id = ?')
      .run(utc(n.lastSeen), n.maxScore, n.meanScore, n.bestDistance, n.frames, n.cropPath, n.personId, n.label, id);
    return n;
  }

  get(id: number): Sighting | undefined {
    const r = this.db.prepare('SELECT * FROM sightings WHERE id = ?').get(id) as Row | undefined;
    return r && toSighting(r);
  }

  private where(q: SightingQuery): { sql: string; args: unknown[] } {
    const clauses: string[] = [], args: unknown[] = [];
    if (q.personId !== undefined) { clauses.push('person_id = ?'); args.push(q.personId); }
    if (q.cameraId !== undefined) { clauses.push('camera_id = ?'); args.push(q.cameraId); }
    if (q.from !== undefined) { clauses.push('last_seen >= ?'); args.push(q.from); }
    if (q.to !== undefined) { clauses.push('first_seen <= ?'); args.push(q.to); }
    if (q.unknownOnly) clauses.push('person_id IS NULL');
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args };
  }

  /** Newest first, paginated; `total` counts every match. */
  search(q: SightingQuery = {}): { items: Sighting[]; total: number } {
    const { sql, args } = this.where(q);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM sightings ${sql}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM sightings ${sql} ORDER BY first_seen DESC, id DESC LIMIT ? OFFSET ?`).all(...args, q.limit ?? 50, q.offset ?? 0) as Row[];
    return { items: rows.map(toSighting), total };
  }

  /** Sightings stored after id `afterId`, in id order (the dashboard's replay on reconnect). */
  since(afterId: number, limit: number): Sighting[] {
    return (this.db.prepare('SELECT * FROM sightings WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Row[]).map(toSighting);
  }

  /** Ids of a person's sightings (the dashboard drops them from its feed when the person is erased). */
  idsOf(personId: string): number[] {
    return (this.db.prepare('SELECT id FROM sightings WHERE person_id = ?').all(personId) as { id: number }[]).map((r) => r.id);
  }

  /** Crop paths of a person's sightings (erased with the person). */
  cropPathsOf(personId: string): string[] {
    return (this.db.prepare('SELECT crop_path FROM sightings WHERE person_id = ? AND crop_path IS NOT NULL').all(personId) as { crop_path: string }[]).map((r) => r.crop_path);
  }

  deleteByPerson(personId: string): number {
    return this.db.prepare('DELETE FROM sightings WHERE person_id = ?').run(personId).changes;
  }
}
