import type { Db } from './database.js';

/** ISO times (UTC): data last seen before them is deleted. Absent = keep that kind of data. */
export interface PurgeCutoffs {
  /** Every sighting (known or unknown) last seen before this. */
  sightings?: string;
  /** Sightings of unknown faces (and their stranger-cluster membership) last seen before this. */
  unknown?: string;
  /** Fired alert records created before this. */
  alerts?: string;
}

/** A sighting past its retention: its row goes, then its crop file. */
export interface ExpiredSighting { id: number; personId: string | null; cropPath: string | null }

/**
 * The retention job's queries: what is past the cutoffs, and deleting it (sightings, whose
 * stranger-cluster rows cascade, and fired alerts) in one IMMEDIATE transaction with its audit
 * record.
 */
export class RetentionRepository {
  constructor(private readonly db: Db) {}

  private where(cutoffs: PurgeCutoffs): { sql: string; args: string[] } {
    const where: string[] = [], args: string[] = [];
    if (cutoffs.sightings) { where.push('last_seen < ?'); args.push(cutoffs.sightings); }
    if (cutoffs.unknown) { where.push('(person_id IS NULL AND last_seen < ?)'); args.push(cutoffs.unknown); }
    return { sql: where.length ? where.join(' OR ') : '0', args };
  }

  /** The sightings and the number of fired alerts the cutoffs expire. */
  expired(cutoffs: PurgeCutoffs): { sightings: ExpiredSighting[]; alerts: number } {
    const { sql, args } = this.where(cutoffs);
    const rows = this.db.prepare(`SELECT id, person_id, crop_path FROM sightings WHERE ${sql}`).all(...args) as { id: number; person_id: string | null; crop_path: string | null }[];
    const alerts = cutoffs.alerts
      ? (this.db.prepare('SELECT count(*) AS n FROM alert_events WHERE at < ?').get(cutoffs.alerts) as { n: number }).n : 0;
    return { sightings: rows.map((r) => ({ id: r.id, personId: r.person_id, cropPath: r.crop_path })), alerts };
  }

  /**
   * Delete what the cutoffs expire; when anything was due (`expected`, from expired()), record
   * the purge in the audit log at `at` (the retention clock's time, not the wall clock).
   */
  purge(cutoffs: PurgeCutoffs, at: string, expected: { sightings: number; alerts: number }): void {
    const { sql, args } = this.where(cutoffs);
    this.db.transaction(() => {
      if (expected.sightings) this.db.prepare(`DELETE FROM sightings WHERE ${sql}`).run(...args);
      if (cutoffs.alerts) this.db.prepare('DELETE FROM alert_events WHERE at < ?').run(cutoffs.alerts);
      if (expected.sightings || expected.alerts) {
        this.db.prepare("INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, 'retention', 'purge', NULL, ?)")
          .run(at, JSON.stringify({ cutoffs, sightings: expected.sightings, alerts: expected.alerts }));
      }
    }).immediate();
  }

  /** Whether a sighting row exists (crop files without one are orphans). */
  sightingExists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM sightings WHERE id = ?').get(id) !== undefined;
  }
}
