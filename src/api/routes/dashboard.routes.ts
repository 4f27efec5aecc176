import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CameraStatus } from '../../contracts/camera.schema.js';
import type { AuditRepository } from '../../store/audit.repository.js';
import type { SightingsRepository } from '../../store/sightings.repository.js';
import type { CorrectionsService } from '../live/corrections.service.js';
import { actorOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { displayNameSchema, personIdSchema, rowIdSchema, type SchemaRegistry } from '../validation.js';

const sightingId = z.strictObject({ id: rowIdSchema });

export interface DashboardRoutesDeps {
  sightings: Pick<SightingsRepository, 'get'>;
  audit: Pick<AuditRepository, 'list'>;
  corrections: CorrectionsService;
  cameras: () => CameraStatus[];
  cropOf: (sightingId: number) => Buffer | undefined;
  /** Upload limits the page checks before sending photos. */
  limits: { maxUploadBytes: number; maxFiles: number };
}

/** What the dashboard needs beyond the gallery API: who am I, cameras, one sighting, its crop, corrections, audit. */
export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardRoutesDeps, schemas: SchemaRegistry): void {
  const tags = ['dashboard'];
  const { sightings, audit } = deps;

  app.get('/api/me', { schema: schemas.route({}, { tags, summary: 'The presented key: role and name (sign-in check)' }) }, async (req) => {
    const k = req.apiKey!;
    return { id: k.id, name: k.name, role: k.role, limits: deps.limits };
  });

  app.get('/api/cameras', { schema: schemas.route({}, { tags, summary: 'Latest status of every camera' }) }, async () => ({ items: deps.cameras() }));

  app.get('/api/sightings/:id', { schema: schemas.route({ params: sightingId }, { tags, summary: 'One sighting' }) }, async (req) => {
    const s = sightings.get((req.params as { id: number }).id);
    if (!s) throw new ApiError(404, 'E_NOT_FOUND', 'no such sighting');
    return s;
  });

  app.get('/api/sightings/:id/crop', { schema: schemas.route({ params: sightingId }, { tags, summary: 'The best face crop of a sighting (JPEG)' }) }, async (req, reply) => {
    const jpeg = deps.cropOf((req.params as { id: number }).id);
    if (!jpeg) throw new ApiError(404, 'E_NOT_FOUND', 'this sighting has no crop');
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=300').send(jpeg);
  });

  app.post('/api/sightings/:id/not-this-person', {
    schema: schemas.route({ params: sightingId, body: z.strictObject({ version: z.literal(1), removeSampleId: z.number().int().positive().optional() }) }, { tags, summary: 'Correct a wrong match: the sighting becomes unknown; optionally remove the offending sample (audited)' }),
  }, async (req) => {
    const { id } = req.params as { id: number };
    const b = req.body as { removeSampleId?: number };
    const r = deps.corrections.notThisPerson(id, actorOf(req), b.removeSampleId);
    return { sighting: r.sighting, removedSample: r.removedSample, evidence: r.evidence };
  });

  app.post('/api/sightings/:id/assign', {
    schema: schemas.route({
      params: sightingId,
      body: z.union([
        z.strictObject({ version: z.literal(1), personId: personIdSchema }),
        z.strictObject({ version: z.literal(1), name: displayNameSchema }),
      ]),
    }, { tags, summary: '"This is X": relabel a sighting as a person (existing by id, or new by name) and keep its faces as their samples (audited)' }),
  }, async (req) => {
    const { id } = req.params as { id: number };
    const b = req.body as { personId: string } | { name: string };
    const r = await deps.corrections.assign(id, 'personId' in b ? { personId: b.personId } : { name: b.name }, actorOf(req));
    return { sighting: r.sighting, person: { id: r.person.id, name: r.person.name }, created: r.created, samples: r.samples };
  });

  app.get('/api/audit', {
    schema: schemas.route({ querystring: z.strictObject({ target: z.string().min(1).max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) }, { tags, summary: 'Recent audit log entries (newest first)' }),
  }, async (req) => {
    const q = req.query as { target?: string; limit: number };
    return { items: audit.list(q) };
  });
}
