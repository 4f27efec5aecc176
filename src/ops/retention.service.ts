import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RetentionConfig } from '../config/schema.js';
import type { Db } from '../store/database.js';
import type { Clock } from '../common/clock.js';

const dayMs = 24 * 3600 * 1000;

/** ISO times (UTC): data last seen before them is deleted. Absent = keep that kind of data. */
export interface PurgeCutoffs {
  /** Every sighting (known or unknown) last seen before this. */
  sightings?: string;
  /** Sightings of unknown faces (and their stranger-cluster membership) last seen before this. */
  unknown?: string;
  /** Fired alert records created before this. */
  alerts?: string;
}

export interface PurgeReport {
  dryRun: boolean;
  cutoffs: PurgeCutoffs;
  sightings: number;
  unknownSightings: number;
  alerts: number;
  /** Crop files deleted (or, dry run, that would be). */
  crops: number;
  /** Crop files under crops/sightings whose row no longer exists (a crash between row and file delete). */
  orphanCrops: number;
}

/** The cutoffs the configured retention gives at `now`. */
export function cutoffsAt(now: number, settings: Pick<RetentionConfig, 'sightingsDays' | 'unknownDays' | 'alertsDays'>): PurgeCutoffs {
  const before = (days: number) => (days > 0 ? new Date(now - days * dayMs).toISOString() : undefined);
  const unknownDays = settings.unknownDays > 0 ? settings.unknownDays : settings.sightingsDays;
  return { sightings: before(settings.sightingsDays), unknown: before(unknownDays), alerts: before(settings.alertsDays) };
}

/**
 * Deletes personal data past its retention: sightings (rows and best-crop files), unknown-face
 * clusters (their rows cascade with the sightings) and fired alerts. Rows go in one transaction
 * first, files after the commit: a crash in between leaves orphan files, which the next run
 * sweeps, never rows pointing at missing files. Enrolled people and their samples are not
 * touched: they are erased explicitly (`facestream people rm`).
 */
export class RetentionService {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly settings: Pick<RetentionConfig, 'sightingsDays' | 'unknownDays' | 'alertsDays'>,
  ) {}

  /** The scheduled run: cutoffs from the configuration and the clock. */
  runScheduled(options: { dryRun?: boolean } = {}): PurgeReport {
    return this.purge(cutoffsAt(this.clock.now(), this.settings), options);
  }

  purge(cutoffs: PurgeCutoffs, options: { dryRun?: boolean } = {}): PurgeReport {
    const dryRun = options.dryRun ?? false;
    const where: string[] = [], args: string[] = [];
    if (cutoffs.sightings) { where.push('last_seen < ?'); args.push(cutoffs.sightings); }
    if (cutoffs.unknown) { where.push('(person_id IS NULL AND last_seen < ?)'); args.push(cutoffs.unknown); }
    const sql = where.length ? where.join(' OR ') : '0';
    const rows = this.db.prepare(`SELECT id, person_id, crop_path FROM sightings WHERE ${sql}`).all(...args) as { id: number; person_id: string | null; crop_path: string | null }[];
    const alertCount = cutoffs.alerts
      ? (this.db.prepare('SELECT count(*) AS n FROM alert_events WHERE at < ?').get(cutoffs.alerts) as { n: number }).n : 0;
    const crops = rows.flatMap((r) => (r.crop_path ? [r.crop_path] : []));
    const report: PurgeReport = {
      dryRun, cutoffs, sightings: rows.length, unknownSightings: rows.filter((r) => r.person_id === null).length,
      alerts: alertCount, crops: crops.filter((c) => existsSync(this.resolve(c))).length, orphanCrops: 0,
    };
    if (dryRun) { report.orphanCrops = this.orphans().length; return report; }
    this.db.transaction(() => {
      if (rows.length) this.db.prepare(`DELETE FROM sightings WHERE ${sql}`).run(...args);
      if (cutoffs.alerts) this.db.prepare('DELETE FROM alert_events WHERE at < ?').run(cutoffs.alerts);
      if (rows.length || alertCount) {
        this.db.prepare("INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, 'retention', 'purge', NULL, ?)")
          .run(new Date(this.clock.now()).toISOString(), JSON.stringify({ cutoffs, sightings: rows.length, alerts: alertCount }));
      }
    }).immediate();
    for (const c of crops) rmSync(this.resolve(c), { force: true });
    const orphans = this.orphans();
    for (const o of orphans) rmSync(o, { force: true });
    report.orphanCrops = orphans.length;
    return report;
  }

  /** Crop paths are stored relative to the data directory; never follow one outside it. */
  private resolve(rel: string): string {
    const abs = path.resolve(this.dataDir, rel);
    if (!abs.startsWith(path.resolve(this.dataDir) + path.sep)) throw new Error(`crop path outside the data directory: ${rel}`);
    return abs;
  }

  /** Sighting crops (crops/sightings/<id>.jpg, and .tmp leftovers older than a minute) without a row. */
  private orphans(): string[] {
    const dir = path.join(this.dataDir, 'crops', 'sightings');
    if (!existsSync(dir)) return [];
    const exists = this.db.prepare('SELECT 1 FROM sightings WHERE id = ?');
    const out: string[] = [];
    for (const f of readdirSync(dir)) {
      const m = /^(\d+)\.jpg(\.tmp)?$/.exec(f);
      if (!m) continue;
      const abs = path.join(dir, f);
      // a .tmp is being written right now by the hub's sink unless it is old
      if (m[2] && this.clock.now() - statSync(abs).mtimeMs < 60_000) continue;
      if (m[2] || !exists.get(Number(m[1]))) out.push(abs);
    }
    return out;
  }
}
