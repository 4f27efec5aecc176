import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { FaceStreamError } from '../errors/index.js';
import type { DataStore } from '../store/data.store.js';
import { personCropsDir, resolveInDataDir } from '../store/data-paths.js';
import type { Person } from '../store/people.repository.js';
import type { FaceSample } from '../store/samples.repository.js';
import type { GalleryIndex } from './gallery.index.js';

export interface PersonSummary extends Person { samples: number }

/**
 * The one format of a person id: a UUID as the store creates it (`crypto.randomUUID()`: lowercase
 * hex, 8-4-4-4-12). Ids are data, never paths: every id that comes from outside (REST params and
 * bodies, Socket.IO messages, CLI arguments) is checked against this before it is looked up, and
 * a gallery file's ids that do not match get new ones on import.
 */
export const personIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isPersonId = (id: unknown): id is string => typeof id === 'string' && personIdPattern.test(id);

/** An untrusted id for a message: JSON-quoted (control characters, NUL, lone surrogates, RTL marks escaped) and cut to 80 characters. */
export function quoteId(id: string): string {
  const cut = id.length > 80 ? `${id.slice(0, 80)}...` : id;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Throws E_USAGE for anything that is not a person id (see personIdPattern). */
export function assertPersonId(id: unknown): asserts id is string {
  if (!isPersonId(id)) {
    throw new FaceStreamError('E_USAGE', `not a person id: ${typeof id === 'string' ? quoteId(id) : typeof id} (person ids are UUIDs like 0b0c9a4e-5f1d-4c2b-9a57-3f8e2d1c4b6a)`);
  }
}

export interface ErasureReport { personId: string; name: string; samples: number; sightings: number; files: number }

export interface PeopleServiceDeps {
  store: Pick<DataStore, 'transaction' | 'bumpRevision' | 'people' | 'samples' | 'sightings' | 'audit'>;
  index: Pick<GalleryIndex, 'applyChanges'>;
  /** Data directory: crop paths are stored relative to it. */
  dataDir: string;
}

/**
 * People and their face samples: CRUD (audited), GDPR erasure, sample listing and removal,
 * thumbnails. Removals are mirrored into the index after their transaction commits.
 */
export class PeopleService {
  /** After each committed change: publishers (MQTT discovery) follow the gallery's people. */
  readonly events = new EventEmitter<{ 'person.saved': [Person]; 'person.erased': [string] }>();

  constructor(private readonly deps: PeopleServiceDeps) {}

  private get store() { return this.deps.store; }

  createPerson(name: string, metadata: Record<string, unknown> = {}, actor = 'cli'): Person {
    const created = this.store.transaction(() => {
      const p = this.store.people.create(name, metadata);
      this.store.audit.record(actor, 'person.create', p.id, { name });
      return p;
    });
    this.events.emit('person.saved', created);
    return created;
  }

  getPerson(id: string): PersonSummary {
    assertPersonId(id);
    const p = this.store.people.get(id);
    if (!p) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
    return { ...p, samples: this.store.samples.countByPerson(id) };
  }

  /** The person, or undefined (no error: alert rules and the matcher look names up per sighting). */
  find(id: string): Person | undefined {
    return this.store.people.get(id);
  }

  count(): number {
    return this.store.people.count();
  }

  listPeople(options: { limit?: number; offset?: number; name?: string } = {}): { items: PersonSummary[]; total: number } {
    const items = this.store.people.list(options).map((p) => ({ ...p, samples: this.store.samples.countByPerson(p.id) }));
    return { items, total: options.name === undefined ? this.store.people.count() : this.store.people.byName(options.name).length };
  }

  /** The one person with this name, or a clear error (names are not unique). */
  personByName(name: string): Person | undefined {
    const found = this.store.people.byName(name);
    if (found.length > 1) throw new FaceStreamError('E_AMBIGUOUS_NAME', `${found.length} people are named '${name}' (ids ${found.map((p) => p.id).join(', ')}); use the id`);
    return found[0];
  }

  updatePerson(id: string, patch: { name?: string; metadata?: Record<string, unknown> }, actor = 'cli'): Person {
    assertPersonId(id);
    const updated = this.store.transaction(() => {
      const p = this.store.people.update(id, patch);
      if (!p) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
      this.store.audit.record(actor, 'person.update', id, { ...(patch.name !== undefined ? { name: patch.name } : {}), metadataChanged: patch.metadata !== undefined });
      return p;
    });
    this.events.emit('person.saved', updated);
    return updated;
  }

  /**
   * Erase a person (GDPR): samples, sightings and every crop file, then an audit record that
   * keeps only counts. Every file path is checked first (one that escapes the data directory
   * refuses the erasure before anything changes). The store transaction commits first; files
   * follow (a crash in between leaves orphan files under crops/<id>/, which the next erase or
   * `reindex` removes).
   */
  deletePerson(id: string, actor = 'cli'): ErasureReport {
    assertPersonId(id);
    const store = this.store, dataDir = this.deps.dataDir;
    const person = store.people.get(id);
    if (!person) throw new FaceStreamError('E_NOT_FOUND', `no person with id ${id}`);
    const samples = store.samples.byPerson(id);
    const files = [...samples.map((s) => s.cropFile), ...store.sightings.cropPathsOf(id)]
      .flatMap((f) => (f ? [resolveInDataDir(dataDir, f)] : []));
    const folder = personCropsDir(dataDir, id);
    const report = store.transaction(() => {
      const sightings = store.sightings.deleteByPerson(id);
      store.people.delete(id);
      if (samples.length) store.bumpRevision();
      const r: ErasureReport = { personId: id, name: person.name, samples: samples.length, sightings, files: 0 };
      store.audit.record(actor, 'person.erase', id, { samples: r.samples, sightings });
      return r;
    });
    this.deps.index.applyChanges({ removed: samples.map((s) => s.id) });
    for (const abs of files) {
      if (existsSync(abs)) { rmSync(abs, { force: true }); report.files++; }
    }
    rmSync(folder, { recursive: true, force: true });
    this.events.emit('person.erased', id);
    return report;
  }

  samplesOf(personId: string): FaceSample[] {
    this.getPerson(personId);
    return this.store.samples.byPerson(personId);
  }

  /** The sample if it belongs to this person. */
  sampleOf(personId: string, sampleId: number): FaceSample | undefined {
    const s = this.store.samples.get(sampleId);
    return s && s.personId === personId ? s : undefined;
  }

  sampleCount(personId: string): number {
    return this.store.samples.countByPerson(personId);
  }

  /** The stored face crop (JPEG) of a sample; undefined when it has none or the file is gone. */
  thumbnail(sampleId: number): Buffer | undefined {
    const s = this.store.samples.get(sampleId);
    const abs = s?.cropFile ? resolveInDataDir(this.deps.dataDir, s.cropFile) : undefined;
    return abs && existsSync(abs) ? readFileSync(abs) : undefined;
  }

  removeSample(personId: string, sampleId: number, actor = 'cli'): void {
    const s = this.sampleOf(personId, sampleId);
    if (!s) throw new FaceStreamError('E_NOT_FOUND', `person ${personId} has no sample ${sampleId}`);
    const abs = s.cropFile ? resolveInDataDir(this.deps.dataDir, s.cropFile) : undefined;
    this.store.transaction(() => {
      this.store.samples.delete(sampleId);
      this.store.bumpRevision();
      this.store.audit.record(actor, 'sample.delete', personId, { sampleId });
    });
    this.deps.index.applyChanges({ removed: [sampleId] });
    if (abs) rmSync(abs, { force: true });
  }
}
