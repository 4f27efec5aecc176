import { existsSync, readFileSync } from 'node:fs';
import { FaceStreamError } from '../../errors/index.js';
import type { EnrollOutcome } from '../../identify/enrollment.service.js';
import type { Gallery } from '../../identify/gallery.js';
import { resolveInDataDir } from '../../store/data-paths.js';
import type { UnknownClusterRow } from '../../store/corrections.repository.js';
import type { Person } from '../../store/people.repository.js';
import type { Sighting } from '../../contracts/sighting.schema.js';
import type { SightingService } from '../../track/sighting.service.js';

export interface UnknownCluster extends UnknownClusterRow {
  /** Up to 6 sighting ids with a crop, most frames first (their crops are the cluster's faces). */
  sightingIds: number[];
}

/**
 * Gallery corrections from the dashboard: "not this person" on a sighting, and unknown-face
 * clusters (name one = enroll its best crops as a new person; ignore one). Everything is
 * audited (the row change and its audit record in one store transaction). Each relabel is
 * announced through the hub's SightingService, which also keeps a still-open track's later
 * updates from undoing it.
 */
export class CorrectionsService {
  constructor(
    private readonly gallery: Pick<Gallery, 'dataDir' | 'people' | 'enrollment' | 'sightings' | 'corrections' | 'evidence'>,
    private readonly sightingEvents: Pick<SightingService, 'announceRelabelled'>,
  ) {}

  /**
   * Mark a sighting as not showing its person: it becomes unknown, and its kept faces become
   * evidence that they are not that person (the naming rule then keeps faces close to them from
   * being named so again); optionally drop the sample that matched.
   */
  notThisPerson(sightingId: number, actor: string, removeSampleId?: number): { sighting: Sighting; removedSample: number | null; evidence: number } {
    const { people, sightings, corrections, evidence } = this.gallery;
    const s = sightings.get(sightingId);
    if (!s) throw new FaceStreamError('E_NOT_FOUND', `no sighting ${sightingId}`);
    if (s.personId === null) throw new FaceStreamError('E_FACE_REJECTED', `sighting ${sightingId} is already unknown`);
    const wrongPerson = s.personId;
    if (removeSampleId !== undefined && !people.sampleOf(wrongPerson, removeSampleId)) {
      throw new FaceStreamError('E_NOT_FOUND', `sample ${removeSampleId} is not a sample of the matched person`);
    }
    const label = 'unknown (corrected)';
    const faces = evidence.sightingFaces(sightingId);
    const updated = corrections.relabelUnknown(sightingId, label, actor, wrongPerson, { sightingId, previousLabel: s.label, removeSampleId: removeSampleId ?? null, evidence: faces.length },
      () => evidence.addEvidence(wrongPerson, faces, 'sighting', sightingId));
    if (removeSampleId !== undefined) people.removeSample(wrongPerson, removeSampleId, actor);
    this.sightingEvents.announceRelabelled(updated, { personId: null, label });
    return { sighting: updated, removedSample: removeSampleId ?? null, evidence: faces.length };
  }

  /**
   * "This is X": relabel a sighting as a person (an existing one, or a new one by name) and keep
   * its faces as that person's samples, even where they match someone else (the user's word skips
   * the mislabel check). Evidence taken from this sighting earlier ("not P") is withdrawn.
   */
  async assign(sightingId: number, target: { personId: string } | { name: string }, actor: string): Promise<{ sighting: Sighting; person: Person; created: boolean; samples: number[] }> {
    const { people, sightings, corrections, evidence, enrollment, dataDir } = this.gallery;
    const s = sightings.get(sightingId);
    if (!s) throw new FaceStreamError('E_NOT_FOUND', `no sighting ${sightingId}`);
    const crop = s.cropPath ? resolveInDataDir(dataDir, s.cropPath) : undefined;
    const cropJpeg = crop && existsSync(crop) ? readFileSync(crop) : undefined;
    const faces = evidence.sightingFaces(sightingId);
    if (faces.length === 0 && !cropJpeg) throw new FaceStreamError('E_FACE_REJECTED', `sighting ${sightingId} kept no face to learn from`);
    const created = 'name' in target;
    const person = 'name' in target ? people.createPerson(target.name, {}, actor) : people.getPerson(target.personId);
    let samples: number[] = [];
    try {
      if (faces.length) samples = enrollment.addCorrectionSamples(person.id, faces, { cropJpeg, actor, source: `sighting:${sightingId}` }).added;
      else {
        const r = await enrollment.enrollPhoto(person.id, cropJpeg!, { label: `sighting ${sightingId}`, actor, correction: true });
        if (r.status === 'accepted') samples = [r.sampleId];
        else if (r.status === 'rejected') throw new FaceStreamError('E_FACE_REJECTED', `sighting ${sightingId}: its crop cannot be enrolled (${r.reason}: ${r.detail})`);
      }
    } catch (e) {
      if (created) people.deletePerson(person.id, actor);
      throw e;
    }
    const updated = corrections.relabelPerson(sightingId, person.id, person.name, actor, { sightingId, previousLabel: s.label, previousPersonId: s.personId, samples }, () => evidence.removeEvidenceOfSighting(sightingId));
    this.sightingEvents.announceRelabelled(updated, { personId: person.id, label: person.name });
    return { sighting: updated, person, created, samples };
  }

  listClusters(options: { limit?: number; offset?: number } = {}): { items: UnknownCluster[]; total: number } {
    const { corrections } = this.gallery;
    const r = corrections.listClusters(options);
    return { total: r.total, items: r.items.map((c) => ({ ...c, sightingIds: corrections.bestOf(c.key, 6).map((s) => s.id) })) };
  }

  /**
   * "Name this person": a new person whose samples are the cluster's best crops; the cluster's
   * sightings are relabelled to them. Nothing changes when no crop is accepted (422 with reasons).
   */
  async nameCluster(key: string, name: string, actor: string): Promise<{ person: Person; results: EnrollOutcome[]; relabelled: number }> {
    const { people, enrollment, sightings, corrections, dataDir } = this.gallery;
    const best = corrections.bestOf(key, 5);
    if (best.length === 0) throw new FaceStreamError('E_NOT_FOUND', `no unknown cluster ${key} with face crops`);
    // crop paths are checked before the person is created
    const crops = best.map((s) => ({ id: s.id, abs: s.cropPath ? resolveInDataDir(dataDir, s.cropPath) : undefined }));
    const person = people.createPerson(name, {}, actor);
    const results: EnrollOutcome[] = [];
    for (const { id, abs } of crops) {
      if (!abs || !existsSync(abs)) continue;
      // naming a stranger is the user's word: no mislabel check
      results.push(await enrollment.enrollPhoto(person.id, readFileSync(abs), { label: `sighting ${id}`, actor, correction: true }));
    }
    if (!results.some((r) => r.status === 'accepted')) {
      people.deletePerson(person.id, actor);
      const why = results.map((r) => `${r.file}: ${r.status === 'accepted' ? 'accepted' : r.reason}`).join('; ') || 'no crop files';
      throw new FaceStreamError('E_FACE_REJECTED', `no crop of cluster ${key} could be enrolled (${why})`);
    }
    const relabelled = corrections.assignCluster(key, person.id, name, actor, { accepted: results.filter((x) => x.status === 'accepted').length });
    for (const id of corrections.clusterSightingIds(key)) {
      const s = sightings.get(id);
      if (s) this.sightingEvents.announceRelabelled(s, { personId: person.id, label: name });
    }
    return { person, results, relabelled };
  }

  /** Hide a cluster (its sightings stay in the history as unknown). */
  ignoreCluster(key: string, actor: string): number {
    const n = this.gallery.corrections.ignoreCluster(key, actor);
    if (n === 0) throw new FaceStreamError('E_NOT_FOUND', `no unknown cluster ${key}`);
    return n;
  }
}
