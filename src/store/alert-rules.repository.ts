import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import type { AlertPayload, AlertRule, AlertRuleDefinition, DeliveryState } from '../contracts/alert-rule.schema.js';

interface RuleRow { id: string; name: string; kind: AlertRule['kind']; definition: string; enabled: number; created_at: string; updated_at: string }
interface StoredDefinition extends Omit<AlertRuleDefinition, 'version' | 'name' | 'kind' | 'enabled'> { secret: string }

export interface AlertEvent {
  id: number;
  ruleId: string;
  subject: string;
  sightingId: number | null;
  personId: string | null;
  cameraId: string;
  at: string;
  delivery: DeliveryState;
  attempts: number;
  lastError: string | null;
  payload: AlertPayload;
}

interface EventRow { id: number; rule_id: string; subject: string; sighting_id: number | null; person_id: string | null; camera_id: string; at: string; delivery: DeliveryState; attempts: number; last_error: string | null; payload: string }

const toEvent = (r: EventRow): AlertEvent => ({
  id: r.id, ruleId: r.rule_id, subject: r.subject, sightingId: r.sighting_id, personId: r.person_id, cameraId: r.camera_id,
  at: r.at, delivery: r.delivery, attempts: r.attempts, lastError: r.last_error, payload: JSON.parse(r.payload) as AlertPayload,
});

const newSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

/**
 * Alert rules and the alerts they fired (SQLite, migration 2). The webhook secret is stored
 * with the rule (HMAC needs it in clear) and leaves this class only through secretOf() or on
 * create/rotate.
 */
export class AlertRulesRepository {
  constructor(private readonly db: Db) {}

  private toRule(r: RuleRow): AlertRule {
    const { secret: _secret, ...d } = JSON.parse(r.definition) as StoredDefinition;
    return { ...d, id: r.id, name: r.name, kind: r.kind, enabled: r.enabled === 1, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  create(def: AlertRuleDefinition): { rule: AlertRule; secret: string } {
    const id = randomUUID();
    const at = new Date().toISOString();
    const secret = newSecret();
    const { version: _v, name, kind, enabled, ...rest } = def;
    this.db.prepare('INSERT INTO alert_rules (id, name, kind, definition, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, kind, JSON.stringify({ ...rest, secret }), enabled ? 1 : 0, at, at);
    return { rule: this.get(id)!, secret };
  }

  /** Replace a rule's definition; its secret is kept. */
  update(id: string, def: AlertRuleDefinition): AlertRule | undefined {
    const secret = this.secretOf(id);
    if (secret === undefined) return undefined;
    const { version: _v, name, kind, enabled, ...rest } = def;
    this.db.prepare('UPDATE alert_rules SET name = ?, kind = ?, definition = ?, enabled = ?, updated_at = ? WHERE id = ?')
      .run(name, kind, JSON.stringify({ ...rest, secret }), enabled ? 1 : 0, new Date().toISOString(), id);
    return this.get(id);
  }

  rotateSecret(id: string): string | undefined {
    const r = this.db.prepare('SELECT definition FROM alert_rules WHERE id = ?').get(id) as { definition: string } | undefined;
    if (!r) return undefined;
    const secret = newSecret();
    this.db.prepare('UPDATE alert_rules SET definition = ?, updated_at = ? WHERE id = ?').run(JSON.stringify({ ...JSON.parse(r.definition), secret }), new Date().toISOString(), id);
    return secret;
  }

  get(id: string): AlertRule | undefined {
    const r = this.db.prepare('SELECT * FROM alert_rules WHERE id = ?').get(id) as RuleRow | undefined;
    return r && this.toRule(r);
  }

  list(options: { enabledOnly?: boolean } = {}): AlertRule[] {
    const rows = this.db.prepare(`SELECT * FROM alert_rules ${options.enabledOnly ? 'WHERE enabled = 1' : ''} ORDER BY created_at, id`).all() as RuleRow[];
    return rows.map((r) => this.toRule(r));
  }

  secretOf(id: string): string | undefined {
    const r = this.db.prepare('SELECT definition FROM alert_rules WHERE id = ?').get(id) as { definition: string } | undefined;
    return r ? (JSON.parse(r.definition) as StoredDefinition).secret : undefined;
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
  }

  /** When this rule last fired for this subject (ISO), for the cooldown; survives restarts. */
  lastFired(ruleId: string, subject: string): string | undefined {
    const r = this.db.prepare('SELECT max(at) AS at FROM alert_events WHERE rule_id = ? AND subject = ?').get(ruleId, subject) as { at: string | null };
    return r.at ?? undefined;
  }

  /**
   * Record an alert unless the rule fired for the subject within `cooldownMs` before `at`:
   * check and insert in one IMMEDIATE transaction, so two hubs on one store cannot both fire.
   * The payload is built with the new alert id. Returns undefined when cooling down.
   */
  fire(e: { ruleId: string; subject: string; sightingId: number; personId: string | null; cameraId: string; at: string; cooldownMs: number; delivery: DeliveryState }, payload: (id: number) => AlertPayload): AlertEvent | undefined {
    return this.db.transaction(() => {
      const last = this.lastFired(e.ruleId, e.subject);
      if (last !== undefined && Date.parse(e.at) - Date.parse(last) < e.cooldownMs) return undefined;
      const r = this.db.prepare('INSERT INTO alert_events (rule_id, subject, sighting_id, person_id, camera_id, at, delivery, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.ruleId, e.subject, e.sightingId, e.personId, e.cameraId, e.at, e.delivery, '{}');
      const id = Number(r.lastInsertRowid);
      this.db.prepare('UPDATE alert_events SET payload = ? WHERE id = ?').run(JSON.stringify(payload(id)), id);
      return this.event(id);
    }).immediate();
  }

  event(id: number): AlertEvent | undefined {
    const r = this.db.prepare('SELECT * FROM alert_events WHERE id = ?').get(id) as EventRow | undefined;
    return r && toEvent(r);
  }

  setDelivery(id: number, delivery: DeliveryState, attempts: number, lastError: string | null): void {
    this.db.prepare('UPDATE alert_events SET delivery = ?, attempts = ?, last_error = ? WHERE id = ?').run(delivery, attempts, lastError, id);
  }

  /** Newest first. */
  events(options: { delivery?: DeliveryState; ruleId?: string; limit?: number; offset?: number } = {}): { items: AlertEvent[]; total: number } {
    const clauses: string[] = [], args: unknown[] = [];
    if (options.delivery) { clauses.push('delivery = ?'); args.push(options.delivery); }
    if (options.ruleId) { clauses.push('rule_id = ?'); args.push(options.ruleId); }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM alert_events ${where}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM alert_events ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, options.limit ?? 50, options.offset ?? 0) as EventRow[];
    return { items: rows.map(toEvent), total };
  }
}
