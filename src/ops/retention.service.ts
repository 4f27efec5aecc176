import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RetentionConfig } from '../config/schema.js';
import type { Clock } from '../common/clock.js';
import { resolveInDataDir, SIGHTING_CROPS_DIR } from '../store/data-paths.js';
import type { PurgeCutoffs, RetentionRepository } from '../store/retention.repository.js';

export type { PurgeCutoffs };

const dayMs = 24 * 3600 * 1000;

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
    private readonly repo: Pick<RetentionRepository, 'expired' | 'purge' | 'sightingExists'>,
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
    const expired = this.repo.expired(cutoffs);
    const rows = expired.sightings;
    const alertCount = expired.alerts;
    // every stored crop path is checked before anything is deleted
    const crops = rows.flatMap((r) => (r.cropPath ? [resolveInDataDir(this.dataDir, r.cropPath)] : []));
    const report: PurgeReport = {
      dryRun, cutoffs, sightings: rows.length, unknownSightings: rows.filter((r) => r.personId === null).length,
      alerts: alertCount, crops: crops.filter((c) => existsSync(c)).length, orphanCrops: 0,
    };
    if (dryRun) { report.orphanCrops = this.orphans().length; return report; }
    this.repo.purge(cutoffs, new Date(this.clock.now()).toISOString(), { sightings: rows.length, alerts: alertCount });
    for (const c of crops) rmSync(c, { force: true });
    const orphans = this.orphans();
    for (const o of orphans) rmSync(o, { force: true });
    report.orphanCrops = orphans.length;
    return report;
  }

  /** Sighting crops (crops/sightings/<id>.jpg, and .tmp leftovers older than a minute) without a row. */
  private orphans(): string[] {
    const dir = resolveInDataDir(this.dataDir, SIGHTING_CROPS_DIR);
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    for (const f of readdirSync(dir)) {
      const m = /^(\d+)\.jpg(\.tmp)?$/.exec(f);
      if (!m) continue;
      const abs = path.join(dir, f);
      // a .tmp is being written right now by the hub's sink unless it is old
      if (m[2] && this.clock.now() - statSync(abs).mtimeMs < 60_000) continue;
      if (m[2] || !this.repo.sightingExists(Number(m[1]))) out.push(abs);
    }
    return out;
  }
}
