import { existsSync, readFileSync } from 'node:fs';
import { FaceStreamError } from '../../errors/index.js';
import type { EnrollOutcome, Gallery } from '../../identify/gallery.js';
import type { Person } from '../../store/people.repository.js';
import type { Sighting } from '../../store/sightings.repository.js';

export interface UnknownCluster {
  key: string;
  sightings: number;
  firstSeen: string;
  lastSeen: string;
  cameras: string[];
  /** Up to 6 sighting ids with a crop, most frames first (their crops are the cluster's faces). */
  sightingIds: number[];
}

export interface CorrectionEvents {
  relabelled(s: Sighting): void;
  removed(ids: number[]): void;
}

/**
 * Gallery corrections from the dashboard: "not this person" on a sighting, and unknown-face
 * clusters (name one = enroll its best crops as a new person; ignore one). Everything is
 * audited. Relabels are remembered so a still-open track closing later does not undo them.
 */
export class CorrectionsService {
  private readonly overrides = new Map<number, { personId: string | null; label: string }>();

  constructor(private readonly gallery: Gallery, private readonly notify: Partial<CorrectionEvents> = {}) {}

  private get db() { return this.gallery.store.db; }

  /** Mark a sighting as not showing its person: it becomes unknown; optionally drop the sample that matched. */
  notThisPerson(sightingId: number, actor: string, removeSampleId?: number): { sighting: Sighting; removedSample: number | null } {
    const store = this.gallery.store;
    const s = store.sightings.get(sightingId);
    if (!s) throw new FaceStreamError('E_NOT_FOUND', `no sighting ${sightingId}`);
    if (s.personId === null) throw new FaceStreamError('E_FACE_REJECTED', `sighting ${sightingId} is already unknown`);
    const wrongPerson = s.personId;
    if (removeSampleId !== undefined) {
      const sample = store.samples.get(removeSampleId);
      if (!sample || sample.personId !== wrongPerson) throw new FaceStreamError('E_NOT_FOUND', `sample ${removeSampleId} is not a sample of the matched person`);
    }
    const label = 'unknown (corrected)';
    const updated = store.transaction(() => {
      const u = store.sightings.update(sightingId, { personId: null, label })!;
      store.audit.record(actor, 'sighting.not-this-person', wrongPerson, { sightingId, previousLabel: s.label, removeSampleId: removeSampleId ?? null });
      return u;
    });
    this.overrides.set(sightingId, { personId: null, label });
    if (removeSampleId !== undefined) this.gallery.removeSample(wrongPerson, removeSampleId, actor);
    this.notify.relabelled?.(updated);
    return { sighting: updated, removedSample: removeSampleId ?? null };
  }

  /** A relabel that a later pipeline update must not undo (the recorder re-applies it). */
  overrideOf(sightingId: number): { personId: string | null; label: string } | undefined {
    return this.overrides.get(sightingId);
  }

  /** Record that an unknown sighting belongs to a stranger cluster of the pipeline. */
  addToCluster(sightingId: number, clusterKey: string): void {
    this.db.prepare('INSERT OR IGNORE INTO unknown_clusters (sighting_id, cluster_key) VALUES (?, ?)').run(sightingId, clusterKey);
  }

  listClusters(options: { limit?: number; offset?: number } = {}): { items: UnknownCluster[]; total: number } {
    const base = `FROM unknown_clusters c JOIN sightings s ON s.id = c.sighting_id WHERE c.ignored = 0 AND s.person_id IS NULL`;
    const total = (this.db.prepare(`SELECT count(DISTINCT c.cluster_key) AS n ${base}`).get() as { n: number }).n;
    const rows = this.db.prepare(`SELECT c.cluster_key AS key, count(*) AS sightings, min(s.first_seen) AS firstSeen, max(s.last_seen) AS lastSeen, group_concat(DISTINCT s.camera_id) AS cameras
      ${base} GROUP BY c.cluster_key ORDER BY lastSeen DESC LIMIT ? OFFSET ?`).all(options.limit ?? 50, options.offset ?? 0) as { key: string; sightings: number; firstSeen: string; lastSeen: string; cameras: string }[];
    return { total, items: rows.map((r) => ({ ...r, cameras: r.cameras.split(','), sightingIds: this.bestOf(r.key, 6).map((s) => s.id) })) };
  }

  private bestOf(key: string, n: number): Sighting[] {
    const ids = this.db.prepare(`SELECT s.id FROM unknown_clusters c JOIN sightings s ON s.id = c.sighting_id
      WHERE c.cluster_key = ? AND c.ignored = 0 AND s.person_id IS NULL AND s.crop_path IS NOT NULL ORDER BY s.frames DESC, s.id DESC LIMIT ?`).all(key, n) as { id: number }[];
    return ids.map((r) => this.gallery.store.sightings.get(r.id)!).filter(Boolean);
  }

  /**
   * "Name this person": a new person whose samples are the cluster's best crops; the cluster's
   * sightings are relabelled to them. Nothing changes when no crop is accepted (422 with reasons).
   */
  async nameCluster(key: string, name: string, actor: string): Promise<{ person: Person; results: EnrollOutcome[]; relabelled: number }> {
    const best = this.bestOf(key, 5);
    if (best.length === 0) throw new FaceStreamError('E_NOT_FOUND', `no unknown cluster ${key} with face crops`);
    const person = this.gallery.createPerson(name, {}, actor);
    const results: EnrollOutcome[] = [];
    for (const s of best) {
      const abs = s.cropPath ? this.gallery.resolveDataPath(s.cropPath) : undefined;
      if (!abs || !existsSync(abs)) continue;
      results.push(await this.gallery.enrollPhoto(person.id, readFileSync(abs), { label: `sighting ${s.id}`, actor }));
    }
    if (!results.some((r) => r.status === 'accepted')) {
      this.gallery.deletePerson(person.id, actor);
      const why = results.map((r) => `${r.file}: ${r.status === 'accepted' ? 'accepted' : r.reason}`).join('; ') || 'no crop files';
      throw new FaceStreamError('E_FACE_REJECTED', `no crop of cluster ${key} could be enrolled (${why})`);
    }
    const store = this.gallery.store;
    const relabelled = store.transaction(() => {
      const r = this.db.prepare(`UPDATE sightings SET person_id = ?, label = ? WHERE person_id IS NULL AND id IN (SELECT sighting_id FROM unknown_clusters WHERE cluster_key = ? AND ignored = 0)`).run(person.id, name, key).changes;
      store.audit.record(actor, 'unknown.name', person.id, { clusterKey: key, sightings: r, accepted: results.filter((x) => x.status === 'accepted').length });
      return r;
    });
    const ids = this.db.prepare('SELECT sighting_id AS id FROM unknown_clusters WHERE cluster_key = ?').all(key) as { id: number }[];
    for (const { id } of ids) {
      this.overrides.set(id, { personId: person.id, label: name });
      const s = store.sightings.get(id);
      if (s) this.notify.relabelled?.(s);
    }
    return { person, results, relabelled };
  }

  /** Hide a cluster (its sightings stay in the history as unknown). */
  ignoreCluster(key: string, actor: string): number {
    const n = this.gallery.store.transaction(() => {
      const c = this.db.prepare('UPDATE unknown_clusters SET ignored = 1 WHERE cluster_key = ? AND ignored = 0').run(key).changes;
      if (c > 0) this.gallery.store.audit.record(actor, 'unknown.ignore', null, { clusterKey: key, sightings: c });
      return c;
    });
    if (n === 0) throw new FaceStreamError('E_NOT_FOUND', `no unknown cluster ${key}`);
    return n;
  }
}
