import path from 'node:path';
import { AlertRulesRepository } from './alert-rules.repository.js';
import { AuditRepository } from './audit.repository.js';
import { CorrectionsRepository } from './corrections.repository.js';
import { openDatabase, type Db } from './database.js';
import { EvidenceRepository } from './evidence.repository.js';
import { KeysRepository } from './keys.repository.js';
import { PeopleRepository } from './people.repository.js';
import { RetentionRepository } from './retention.repository.js';
import { SamplesRepository } from './samples.repository.js';
import { SightingsRepository } from './sightings.repository.js';

export const STORE_FILE = 'facestream.db';

/**
 * The SQLite database of one data directory: every repository over one connection. The process
 * that opens it for the gallery is the single writer of the gallery (and of its index).
 * Application code uses the repositories; `db` is for migrations and tests.
 */
export class DataStore {
  readonly people: PeopleRepository;
  readonly samples: SamplesRepository;
  readonly sightings: SightingsRepository;
  readonly audit: AuditRepository;
  readonly keys: KeysRepository;
  readonly alertRules: AlertRulesRepository;
  readonly corrections: CorrectionsRepository;
  readonly retention: RetentionRepository;
  readonly evidence: EvidenceRepository;
  private closed = false;

  constructor(readonly db: Db) {
    this.people = new PeopleRepository(db);
    this.samples = new SamplesRepository(db);
    this.sightings = new SightingsRepository(db);
    this.audit = new AuditRepository(db);
    this.keys = new KeysRepository(db);
    this.alertRules = new AlertRulesRepository(db);
    this.corrections = new CorrectionsRepository(db, this.sightings, this.audit);
    this.retention = new RetentionRepository(db);
    this.evidence = new EvidenceRepository(db);
  }

  /** Open (creating and migrating) `<dataDir>/facestream.db`. */
  static open(dataDir: string): DataStore {
    return new DataStore(openDatabase(path.join(dataDir, STORE_FILE)));
  }

  /** Run `fn` in one IMMEDIATE transaction (writes are all-or-nothing, writers serialise). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Changes with every sample added, removed or re-embedded (stamps the persisted index). */
  get revision(): number {
    return Number((this.db.prepare("SELECT value FROM meta WHERE key = 'gallery_revision'").get() as { value: string }).value);
  }

  /** Call inside the transaction that changes samples. */
  bumpRevision(): number {
    this.db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'gallery_revision'").run();
    return this.revision;
  }

  ping(): boolean {
    return (this.db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
