import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SightingsRepository } from '../../store/sightings.repository.js';
import { personIdSchema, type SchemaRegistry } from '../validation.js';

const isoTime = z.iso.datetime({ offset: true });

const query = z.strictObject({
  personId: personIdSchema.optional(),
  cameraId: z.string().min(1).max(200).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  unknown: z.enum(['true', 'false']).optional().describe('true = only sightings of unknown people'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Search the sightings history (written by the stream pipeline), newest first. */
export function registerSightingsRoutes(app: FastifyInstance, sightings: Pick<SightingsRepository, 'search'>, schemas: SchemaRegistry): void {
  app.get('/api/sightings', { schema: schemas.route({ querystring: query }, { tags: ['sightings'], summary: 'Search sightings: by person, camera, time range, unknown only; paginated' }) }, async (req) => {
    const q = req.query as z.infer<typeof query>;
    // ISO strings compare correctly only in one zone: normalise to UTC like the stored times
    const utc = (t?: string) => (t === undefined ? undefined : new Date(t).toISOString());
    const r = sightings.search({ personId: q.personId, cameraId: q.cameraId, from: utc(q.from), to: utc(q.to), unknownOnly: q.unknown === 'true', limit: q.limit, offset: q.offset });
    return { ...r, limit: q.limit, offset: q.offset };
  });
}
