import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order; PRAGMA user_version records how many ran. Append only:
 * a shipped migration is never edited, a change is a new entry.
 */
export const migrations: readonly string[] = [
  // 1: people, face samples, sightings, audit, API keys, gallery revision
  `
  CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX people_name ON people(name);

  CREATE TABLE face_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    embedding BLOB NOT NULL,
    image_sha256 TEXT NOT NULL,
    crop_file TEXT,
    quality TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );
  CREATE INDEX face_samples_person ON face_samples(person_id);
  CREATE INDEX face_samples_model ON face_samples(model_id);

  -- One row per track of a face on a camera (filled by the stream pipeline). person_id NULL =
  -- unknown; label keeps what was shown (a name, or 'unknown').
  CREATE TABLE sightings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id TEXT NOT NULL,
    person_id TEXT REFERENCES people(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    max_score REAL NOT NULL,
    mean_score REAL NOT NULL,
    best_distance REAL,
    frames INTEGER NOT NULL DEFAULT 1,
    crop_path TEXT,
    track_id TEXT,
    metadata TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX sightings_person_time ON sightings(person_id, first_seen);
  CREATE INDEX sightings_camera_time ON sightings(camera_id, first_seen);
  CREATE INDEX sightings_time ON sightings(first_seen);

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    details TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX audit_log_at ON audit_log(at);

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    prefix TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_prefix ON api_keys(prefix);

  -- Single-row counters: gallery_revision changes with every sample added or removed, and
  -- stamps the persisted index so a stale index is detected on start.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('gallery_revision', '0');
  `,
  // 2: alert rules and fired alerts (src/notify), unknown-face clusters of sightings (dashboard)
  `
  CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'unknown', 'watchlist')),
    definition TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  -- One row per alert fired; the person's alerts go with the person (erasure).
  CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id TEXT NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    sighting_id INTEGER REFERENCES sightings(id) ON DELETE SET NULL,
    person_id TEXT REFERENCES people(id) ON DELETE CASCADE,
    camera_id TEXT NOT NULL,
    at TEXT NOT NULL,
    delivery TEXT NOT NULL DEFAULT 'none' CHECK (delivery IN ('none', 'queued', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    payload TEXT NOT NULL
  );
  CREATE INDEX alert_events_cooldown ON alert_events(rule_id, subject, at);
  CREATE INDEX alert_events_delivery ON alert_events(delivery);

  CREATE TABLE unknown_clusters (
    sighting_id INTEGER PRIMARY KEY REFERENCES sightings(id) ON DELETE CASCADE,
    cluster_key TEXT NOT NULL,
    ignored INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX unknown_clusters_key ON unknown_clusters(cluster_key);
  `,
  // 3: two witnesses and corrections as evidence. A sample keeps the confirming model's embedding
  // beside the proposer's; a sighting keeps the embeddings of its best embedded faces (so a
  // correction can use them; erased with the sighting); correction evidence holds faces the user
  // said are NOT a person (erased with that person, kept when the sighting expires).
  `
  ALTER TABLE face_samples ADD COLUMN confirm_model_id TEXT;
  ALTER TABLE face_samples ADD COLUMN confirm_embedding BLOB;

  CREATE TABLE sighting_faces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sighting_id INTEGER NOT NULL REFERENCES sightings(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    embedding BLOB NOT NULL,
    confirm_model_id TEXT,
    confirm_embedding BLOB,
    named_person_id TEXT,
    quality REAL NOT NULL DEFAULT 0
  );
  CREATE INDEX sighting_faces_sighting ON sighting_faces(sighting_id);

  CREATE TABLE correction_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    not_person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    embedding BLOB NOT NULL,
    confirm_model_id TEXT,
    confirm_embedding BLOB,
    sighting_id INTEGER REFERENCES sightings(id) ON DELETE SET NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX correction_evidence_person ON correction_evidence(not_person_id);
  CREATE INDEX correction_evidence_sighting ON correction_evidence(sighting_id);
  -- every change of the evidence, a person's erasure (cascade) included, moves evidence_revision
  INSERT INTO meta (key, value) VALUES ('evidence_revision', '0');
  CREATE TRIGGER correction_evidence_added AFTER INSERT ON correction_evidence
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'evidence_revision'; END;
  CREATE TRIGGER correction_evidence_removed AFTER DELETE ON correction_evidence
    BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'evidence_revision'; END;
  `,
];

export interface OpenDatabaseOptions {
  /** Open read-only (no migrations; fails on a database older than this code). */
  readonly?: boolean;
}

/**
 * Open (creating when missing) the SQLite store: WAL journal (readers never block the writer),
 * foreign keys on, a busy timeout for a second process, migrations run in one transaction each.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file, { readonly: options.readonly ?? false });
  if (file !== ':memory:' && !options.readonly) ownerOnly(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) throw new Error(`database ${file} has schema version ${version}, newer than this facestream (${migrations.length})`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * The store holds names, embeddings, sightings and webhook secrets: owner-only (0600). SQLite
 * creates its -wal and -shm files with the database file's mode, so they follow. Best effort: a
 * file owned by another user (a mounted volume) keeps its mode.
 */
function ownerOnly(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try { chmodSync(f, 0o600); } catch { /* missing, or not ours to change */ }
  }
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

export const nowIso = (): string => new Date().toISOString();
