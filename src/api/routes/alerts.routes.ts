import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { alertRuleInputSchema, deliveryStates, type AlertRuleDefinition } from '../../contracts/alert-rule.schema.js';
import type { AlertRulesRepository } from '../../store/alert-rules.repository.js';
import { literalTargetProblem } from '../../notify/target.guard.js';
import type { AlertService } from '../../notify/alert.service.js';
import { actorOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { isPersonId } from '../../identify/people.service.js';
import { displayTextProblem, rowIdSchema, uuidSchema, type SchemaRegistry } from '../validation.js';

const ruleId = z.strictObject({ id: uuidSchema });
const eventId = z.strictObject({ id: rowIdSchema });
/** The rule body, with every person id checked like a path parameter (ids are data, never paths) and a displayable name. */
const ruleBody = alertRuleInputSchema.superRefine((r, ctx) => {
  const nameProblem = displayTextProblem(r.name);
  if (nameProblem) ctx.addIssue({ code: 'custom', path: ['name'], message: nameProblem });
  r.personIds.forEach((id, i) => {
    if (!isPersonId(id)) ctx.addIssue({ code: 'custom', path: ['personIds', i], message: 'not a person id (a UUID)' });
  });
  if (r.webhook && hasUserinfo(r.webhook.url)) {
    ctx.addIssue({ code: 'custom', path: ['webhook', 'url'], message: 'webhook URL must not carry credentials (user:password@host): put a token in the path or query, or verify the signature header' });
  }
});

function hasUserinfo(url: string): boolean {
  try { const u = new URL(url); return u.username !== '' || u.password !== ''; } catch { return false; }
}

/**
 * What a viewer sees of a webhook target: the scheme and host only. For Slack-style hooks the
 * path or query is the secret, so only admin keys read the whole URL.
 */
export function webhookHostOnly(url: string): string {
  try { const u = new URL(url); return `${u.protocol}//${u.host}/…`; } catch { return '…'; }
}

const forRole = <R extends { webhook: { url: string } | null }>(role: string | undefined, r: R): R =>
  role === 'admin' || !r.webhook ? r : { ...r, webhook: { ...r.webhook, url: webhookHostOnly(r.webhook.url) } };

export interface AlertsRoutesDeps {
  rules: AlertRulesRepository;
  alerts: Pick<AlertService, 'retry'>;
  audit: { record(actor: string, action: string, target: string | null, details?: Record<string, unknown>): unknown };
  /** notify.allowPrivateTargets: a literal loopback/private webhook address is refused at once otherwise (sending re-checks the resolved address). */
  allowPrivateTargets: boolean;
}

/** Alert rules (viewers read, admins change) and fired alerts with their webhook delivery state. */
export function registerAlertsRoutes(app: FastifyInstance, deps: AlertsRoutesDeps, schemas: SchemaRegistry): void {
  const tags = ['alerts'];
  const { rules } = deps;
  const checkTarget = (def: AlertRuleDefinition) => {
    const problem = def.webhook ? literalTargetProblem(def.webhook.url, deps.allowPrivateTargets) : null;
    if (problem) throw new ApiError(400, 'E_WEBHOOK_TARGET', problem);
  };

  app.get('/api/alerts/rules', { schema: schemas.route({}, { tags, summary: 'List alert rules (webhook secrets are never listed; viewer keys see only the webhook host)' }) }, async (req) => ({ items: rules.list().map((r) => forRole(req.apiKey?.role, r)) }));

  app.post('/api/alerts/rules', { schema: schemas.route({ body: ruleBody }, { tags, summary: 'Create a rule; the answer carries its webhook signing secret, shown this once' }) }, async (req, reply) => {
    checkTarget(req.body as AlertRuleDefinition);
    const { rule, secret } = rules.create(req.body as AlertRuleDefinition);
    deps.audit.record(actorOf(req), 'alert-rule.create', rule.id, { name: rule.name, kind: rule.kind });
    return reply.status(201).send({ ...rule, secret });
  });

  app.get('/api/alerts/rules/:id', { schema: schemas.route({ params: ruleId }, { tags, summary: 'One rule' }) }, async (req) => {
    const r = rules.get((req.params as { id: string }).id);
    if (!r) throw new ApiError(404, 'E_NOT_FOUND', 'no such alert rule');
    return forRole(req.apiKey?.role, r);
  });

  app.put('/api/alerts/rules/:id', { schema: schemas.route({ params: ruleId, body: ruleBody }, { tags, summary: 'Replace a rule (its secret is kept)' }) }, async (req) => {
    const { id } = req.params as { id: string };
    checkTarget(req.body as AlertRuleDefinition);
    const r = rules.update(id, req.body as AlertRuleDefinition);
    if (!r) throw new ApiError(404, 'E_NOT_FOUND', 'no such alert rule');
    deps.audit.record(actorOf(req), 'alert-rule.update', id, { name: r.name, enabled: r.enabled });
    return r;
  });

  app.post('/api/alerts/rules/:id/rotate-secret', { schema: schemas.route({ params: ruleId }, { tags, summary: 'New webhook signing secret (shown this once)' }) }, async (req) => {
    const { id } = req.params as { id: string };
    const secret = rules.rotateSecret(id);
    if (!secret) throw new ApiError(404, 'E_NOT_FOUND', 'no such alert rule');
    deps.audit.record(actorOf(req), 'alert-rule.rotate-secret', id);
    return { id, secret };
  });

  app.delete('/api/alerts/rules/:id', { schema: schemas.route({ params: ruleId }, { tags, summary: 'Delete a rule and its alerts' }) }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!rules.delete(id)) throw new ApiError(404, 'E_NOT_FOUND', 'no such alert rule');
    deps.audit.record(actorOf(req), 'alert-rule.delete', id);
    return reply.status(204).send();
  });

  app.get('/api/alerts/events', {
    schema: schemas.route({ querystring: z.strictObject({
      delivery: z.enum(deliveryStates).optional().describe('dead = dead-lettered webhooks'),
      ruleId: uuidSchema.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).default(0),
    }) }, { tags, summary: 'Fired alerts, newest first, with webhook delivery state' }),
  }, async (req) => {
    const q = req.query as { delivery?: (typeof deliveryStates)[number]; ruleId?: string; limit: number; offset: number };
    const r = rules.events(q);
    // crops stay out of listings (they can be large); the sighting's crop route serves them
    return { total: r.total, limit: q.limit, offset: q.offset, items: r.items.map((e) => ({ ...e, payload: { ...e.payload, crop: e.payload.crop ? ('url' in e.payload.crop ? e.payload.crop : { inline: true }) : null } })) };
  });

  app.post('/api/alerts/events/:id/retry', { schema: schemas.route({ params: eventId }, { tags, summary: 'Send a dead-lettered webhook again' }) }, async (req, reply) => {
    const { id } = req.params as { id: number };
    if (!(await deps.alerts.retry(id))) throw new ApiError(409, 'E_NOT_DEAD', `alert ${id} is not a dead-lettered webhook`);
    deps.audit.record(actorOf(req), 'alert.retry', String(id));
    return reply.status(202).send({ id, delivery: 'queued' });
  });
}
