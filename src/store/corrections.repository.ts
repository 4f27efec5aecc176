import type { AuditRepository } from './audit.repository.js';
import type { Db } from './database.js';
import type { Sighting, SightingsRepository } from './sightings.repository.js';

/** One stranger cluster of unknown sightings, as stored (the service adds its best crops). */
export interface UnknownClusterRow {
  key: string;
  sightings: number;
  firstSeen: string;
  lastSeen: string;
  cameras: string[];
}

/**
 * Dashboard corrections (SQLite, migration 2: unknown_clusters): stranger clusters of unknown
 * sightings and relabels of sightings. Every change is one IMMEDIATE transaction together with
 * its audit record.
 */
export class CorrectionsRepository {
  constructor(private readonly db: Db, private readonly sightings: SightingsRepository, private readonly audit: AuditRepository) {}

  /** Record that an unknown sighting belongs to a stranger cluster of the pipeline. */
  addToCluster(sightingId: number, clusterKey: string): void {
    this.db.prepare('INSERT OR IGNORE INTO unknown_clusters (sighting_id, cluster_key) VALUES (?, ?)').run(sightingId, clusterKey);
  }

  /** Clusters that still hold unknown sightings and are not ignored, most recently seen first. */
  listClusters(options: { limit?: number; offset?: number } = {}): { items: UnknownClusterRow[]; total: number } {
    const base = `FROM unknown_clusters c JOIN sightings s ON s.id = c.sighting_id WHERE c.ignored = 0 AND s.person_id IS NULL`;
    const total = (this.db.prepare(`SELECT count(DISTINCT c.cluster_key) AS n ${base}`).get() as { n: number }).n;
    const rows = this.db.prepare(`SELECT c.cluster_key AS key, count(*) AS sightings, min(s.first_seen) AS firstSeen, max(s.last_seen) AS lastSeen, group_concat(DISTINCT s.camera_id) AS cameras
      ${base} GROUP BY c.cluster_key ORDER BY lastSeen DESC LIMIT ? OFFSET ?`).all(options.limit ?? 50, options.offset ?? 0) as { key: string; sightings: number; firstSeen: string; lastSeen: string; cameras: string }[];
    return { total, items: rows.map((r) => ({ ...r, cameras: r.cameras.split(',') })) };
  }

  /** Up to n unknown sightings of a cluster that have a crop, most frames first. */
  bestOf(key: string, n: number): Sighting[] {
    const ids = this.db.prepare(`SELECT s.id FROM unknown_clusters c JOIN sightings s ON s.id = c.sighting_id
      WHERE c.cluster_key = ? AND c.ignored = 0 AND s.person_id IS NULL AND s.crop_path IS NOT NULL ORDER BY s.frames DESC, s.id DESC LIMIT ?`).all(key, n) as { id: number }[];
    return ids.map((r) => this.sightings.get(r.id)!).filter(Boolean);
  }

  /** Every sighting id filed under a cluster (ignored or not). */
  clusterSightingIds(key: string): number[] {
    return (this.db.prepare('SELECT sighting_id AS id FROM unknown_clusters WHERE cluster_key = ?').all(key) as { id: number }[]).map((r) => r.id);
  }

  /** Relabel one sighting as unknown (it did not show its person), audited; `also` runs in the same transaction. */
  relabelUnknown(sightingId: number, label: string, actor: string, wrongPersonId: string, details: Record<string, unknown>, also?: () => unknown): Sighting {
    return this.db.transaction(() => {
      const u = this.sightings.update(sightingId, { personId: null, label })!;
      also?.();
      this.audit.record(actor, 'sighting.not-this-person', wrongPersonId, details);
      return u;
    }).immediate();
  }

  /** Relabel one sighting as a person ("this is X"), audited; `also` runs in the same transaction. */
  relabelPerson(sightingId: number, personId: string, label: string, actor: string, details: Record<string, unknown>, also?: () => unknown): Sighting {
    return this.db.transaction(() => {
      // the user's word, not a match: no score (the old one was another person's)
      const u = this.sightings.update(sightingId, { personId, label, maxScore: 0, meanScore: 0, bestDistance: null })!;
      also?.();
      this.audit.record(actor, 'sighting.assign', personId, details);
      return u;
    }).immediate();
  }

  /**
   * Give a cluster's unknown sightings to a person (the cluster was named), audited with the
   * number relabelled and `details`. Returns that number.
   */
  assignCluster(key: string, personId: string, name: string, actor: string, details: Record<string, unknown>): number {
    return this.db.transaction(() => {
      const r = this.db.prepare(`UPDATE sightings SET person_id = ?, label = ? WHERE person_id IS NULL AND id IN (SELECT sighting_id FROM unknown_clusters WHERE cluster_key = ? AND ignored = 0)`).run(personId, name, key).changes;
      this.audit.record(actor, 'unknown.name', personId, { clusterKey: key, sightings: r, ...details });
      return r;
    }).immediate();
  }

  /** Hide a cluster (its sightings stay in the history as unknown); audited when it hid any. */
  ignoreCluster(key: string, actor: string): number {
    return this.db.transaction(() => {
      const c = this.db.prepare('UPDATE unknown_clusters SET ignored = 1 WHERE cluster_key = ? AND ignored = 0').run(key).changes;
      if (c > 0) this.audit.record(actor, 'unknown.ignore', null, { clusterKey: key, sightings: c });
      return c;
    }).immediate();
  }
}
