import type { FastifyInstance } from 'fastify';
import type { Gallery } from '../../identify/gallery.js';

/** Liveness (the process answers) and readiness (the store answers): no API key needed. */
export function registerHealthRoutes(app: FastifyInstance, gallery: Gallery): void {
  app.get('/health/live', { config: { public: true }, schema: { tags: ['health'], security: [] } }, async () => ({ status: 'live' }));
  app.get('/health/ready', { config: { public: true }, schema: { tags: ['health'], security: [] } }, async (_req, reply) => {
    try {
      gallery.store.ping();
      return { status: 'ready', people: gallery.store.people.count(), indexSize: gallery.indexSize, modelId: gallery.modelId };
    } catch (e) {
      return reply.status(503).send({ error: { code: 'E_NOT_READY', message: (e as Error).message } });
    }
  });
}
