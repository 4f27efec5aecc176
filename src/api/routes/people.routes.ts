import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Gallery } from '../../identify/gallery.js';
import { actorOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { displayNameSchema, metadataSchema, personIdSchema, readUploadChecked, rowIdSchema, safeText, type SchemaRegistry } from '../validation.js';

// ids are data, never paths: a malformed person id is a 400 before anything is looked up
const personId = z.strictObject({ id: personIdSchema });
const sampleParams = z.strictObject({ id: personIdSchema, sampleId: rowIdSchema });
const name = displayNameSchema;
const metadata = metadataSchema;
const paging = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) };

/**
 * People CRUD and their face samples. Names are NOT unique: two people may share a name, so a
 * duplicate name is accepted (201) and every reference is by id.
 */
export function registerPeopleRoutes(app: FastifyInstance, gallery: Pick<Gallery, 'people' | 'enrollment' | 'review'>, schemas: SchemaRegistry): void {
  const tags = ['people'];
  const { people, enrollment } = gallery;

  app.get('/api/people/review', { schema: schemas.route({}, { tags, summary: 'Look-alike pairs (add more photos of each) and people whose recent sightings split into two groups (a likely unenrolled relative)' }) }, async () => gallery.review());

  app.get('/api/people', { schema: schemas.route({ querystring: z.strictObject({ ...paging, name: name.optional() }) }, { tags, summary: 'List people (paginated, by name)' }) }, async (req) => {
    const q = req.query as { limit: number; offset: number; name?: string };
    return { ...people.listPeople(q), limit: q.limit, offset: q.offset };
  });

  app.post('/api/people', { schema: schemas.route({ body: z.strictObject({ name, metadata: metadata.optional() }) }, { tags, summary: 'Create a person (names need not be unique)' }) }, async (req, reply) => {
    const b = req.body as { name: string; metadata?: Record<string, unknown> };
    const p = people.createPerson(b.name, b.metadata ?? {}, actorOf(req));
    return reply.status(201).send({ ...p, samples: 0 });
  });

  app.get('/api/people/:id', { schema: schemas.route({ params: personId }, { tags, summary: 'A person and their samples' }) }, async (req) => {
    const { id } = req.params as { id: string };
    const p = people.getPerson(id);
    return { ...p, sampleList: people.samplesOf(id).map((s) => ({ id: s.id, modelId: s.modelId, quality: s.quality, createdAt: s.createdAt, hasThumbnail: s.cropFile !== null })) };
  });

  app.patch('/api/people/:id', {
    schema: schemas.route({ params: personId, body: z.strictObject({ name: name.optional(), metadata: metadata.optional() }).refine((b) => b.name !== undefined || b.metadata !== undefined, 'name or metadata required') }, { tags, summary: 'Rename a person or replace their metadata' }),
  }, async (req) => {
    const { id } = req.params as { id: string };
    const p = people.updatePerson(id, req.body as { name?: string; metadata?: Record<string, unknown> }, actorOf(req));
    return { ...p, samples: people.sampleCount(id) };
  });

  app.delete('/api/people/:id', { schema: schemas.route({ params: personId }, { tags, summary: 'Erase a person: samples, thumbnails, sightings (GDPR); audited' }) }, async (req) => {
    const { id } = req.params as { id: string };
    return people.deletePerson(id, actorOf(req));
  });

  app.post('/api/people/:id/samples', {
    schema: schemas.route({ params: personId }, { tags, summary: 'Add face samples: multipart image files (field "force" = "true" adds a face matching another person)', consumes: ['multipart/form-data'] }),
  }, async (req, reply) => app.analysisGate.run(async () => {
    const { id } = req.params as { id: string };
    people.getPerson(id);
    const { files, fields } = await readUploadChecked(req);
    const force = fields.force === 'true' || fields.force === '1';
    const results = [];
    // the file name is only a label in the answer: no control or bidi characters, at most 200 long
    for (const f of files) results.push(await enrollment.enrollPhoto(id, f.data, { label: safeText(f.filename), force, actor: actorOf(req) }));
    const accepted = results.filter((r) => r.status === 'accepted').length;
    if (accepted === 0 && results.some((r) => r.status === 'rejected')) {
      throw new ApiError(422, 'E_NO_SAMPLE_ACCEPTED', results.map((r) => `${r.file}: ${r.status === 'accepted' ? 'accepted' : r.reason}`).join('; '), results);
    }
    return reply.status(accepted > 0 ? 201 : 200).send({ accepted, rejected: results.filter((r) => r.status === 'rejected').length, skipped: results.filter((r) => r.status === 'skipped').length, results });
  }));

  app.delete('/api/people/:id/samples/:sampleId', { schema: schemas.route({ params: sampleParams }, { tags, summary: 'Remove one face sample (and its thumbnail)' }) }, async (req, reply) => {
    const { id, sampleId } = req.params as { id: string; sampleId: number };
    people.getPerson(id);
    people.removeSample(id, sampleId, actorOf(req));
    return reply.status(204).send();
  });

  app.get('/api/people/:id/samples/:sampleId/thumbnail', { schema: schemas.route({ params: sampleParams }, { tags, summary: 'The face crop JPEG of a sample' }) }, async (req, reply) => {
    const { id, sampleId } = req.params as { id: string; sampleId: number };
    const jpeg = people.sampleOf(id, sampleId) ? people.thumbnail(sampleId) : undefined;
    if (!jpeg) throw new ApiError(404, 'E_NOT_FOUND', `person ${id} has no sample ${sampleId} with a thumbnail`);
    return reply.type('image/jpeg').send(jpeg);
  });
}
