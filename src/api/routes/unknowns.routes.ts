import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CorrectionsService } from '../live/corrections.service.js';
import { actorOf } from '../auth.js';
import { clusterKeyPattern, displayNameSchema, type SchemaRegistry } from '../validation.js';

const clusterKey = z.strictObject({ key: z.string().regex(clusterKeyPattern, 'not a cluster key') });

/** Clusters of unknown faces from the pipeline: list, name (enroll as a new person), ignore. */
export function registerUnknownsRoutes(app: FastifyInstance, corrections: CorrectionsService, schemas: SchemaRegistry, onChange: (personId?: string) => void): void {
  const tags = ['unknowns'];
  app.get('/api/unknowns', {
    schema: schemas.route({ querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0) }) }, { tags, summary: 'Unknown-face clusters, most recently seen first' }),
  }, async (req) => {
    const q = req.query as { limit: number; offset: number };
    return { ...corrections.listClusters(q), limit: q.limit, offset: q.offset };
  });

  app.post('/api/unknowns/:key/name', {
    schema: schemas.route({ params: clusterKey, body: z.strictObject({ version: z.literal(1), name: displayNameSchema }) }, { tags, summary: 'Enroll the cluster as a new person (its best crops become samples)' }),
  }, async (req, reply) => {
    const { key } = req.params as { key: string };
    const r = await corrections.nameCluster(key, (req.body as { name: string }).name, actorOf(req));
    onChange(r.person.id);
    return reply.status(201).send(r);
  });

  app.delete('/api/unknowns/:key', { schema: schemas.route({ params: clusterKey }, { tags, summary: 'Ignore a cluster (its sightings stay in the history)' }) }, async (req) => {
    const { key } = req.params as { key: string };
    return { ignored: corrections.ignoreCluster(key, actorOf(req)) };
  });
}
