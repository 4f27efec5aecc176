import type { Person } from '../store/people.repository.js';
import type { Sighting as StoredSighting } from '../store/sightings.repository.js';
import { alertPayloadSchema, type AlertPayload, type AlertRule } from '../contracts/alert-rule.schema.js';
import type { AlertEvent, AlertRulesRepository } from '../store/alert-rules.repository.js';

export interface EvaluatorClock { now(): number }

/** The local hour of `at` in `timeZone` (default: the process's zone). */
export function hourOf(at: Date, timeZone?: string): number {
  const h = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) }).format(at);
  return Number(h) % 24;
}

/** [from, to) in local hours; from > to wraps past midnight (22 -> 6 = night). */
export function withinHours(hours: AlertRule['hours'], at: Date): boolean {
  if (!hours) return true;
  const h = hourOf(at, hours.timeZone);
  return hours.from < hours.to ? h >= hours.from && h < hours.to : h >= hours.from || h < hours.to;
}

/** Whether a rule applies to a sighting (cooldown aside). `person` is the sighting's person, if known. */
export function ruleMatches(rule: AlertRule, s: Pick<StoredSighting, 'cameraId' | 'personId'>, person: Person | undefined, at: Date): boolean {
  if (!rule.enabled) return false;
  if (rule.cameraIds.length > 0 && !rule.cameraIds.includes(s.cameraId)) return false;
  if (!withinHours(rule.hours, at)) return false;
  switch (rule.kind) {
    case 'person': return s.personId !== null && rule.personIds.includes(s.personId);
    case 'unknown': return s.personId === null;
    case 'watchlist': return s.personId !== null && (rule.personIds.includes(s.personId) || person?.metadata.watchlist === true);
  }
}

/**
 * What the cooldown counts per rule: the person (one visit of one person = one alert, even when
 * their track breaks into several sightings), or the camera for unknown faces (a stranger has
 * no stable identity across hub restarts).
 */
export const subjectOf = (s: Pick<StoredSighting, 'cameraId' | 'personId'>): string => (s.personId ? `person:${s.personId}` : `unknown:${s.cameraId}`);

export interface AlertEvaluatorDeps {
  rules: Pick<AlertRulesRepository, 'list' | 'fire'>;
  people: { get(id: string): Person | undefined };
  defaultCooldownS: number;
  /** Base URL for crop links (rules with crop: 'url'); without it such rules send the crop inline. */
  publicUrl?: string;
  cameraName?: (cameraId: string) => string;
  clock?: EvaluatorClock;
}

/**
 * Turns a stored sighting into the alerts it fires: every enabled rule that matches and is not
 * cooling down for the sighting's subject gets one alert_events row (payload included).
 */
export class AlertEvaluator {
  constructor(private readonly deps: AlertEvaluatorDeps) {}

  evaluate(s: StoredSighting, cropBase64: string | null): { event: AlertEvent; rule: AlertRule }[] {
    const now = new Date(this.deps.clock?.now() ?? Date.now());
    const person = s.personId ? this.deps.people.get(s.personId) : undefined;
    const fired: { event: AlertEvent; rule: AlertRule }[] = [];
    for (const rule of this.deps.rules.list({ enabledOnly: true })) {
      if (!ruleMatches(rule, s, person, now)) continue;
      const cooldownMs = (rule.cooldownS ?? this.deps.defaultCooldownS) * 1000;
      const event = this.deps.rules.fire(
        { ruleId: rule.id, subject: subjectOf(s), sightingId: s.id, personId: s.personId, cameraId: s.cameraId, at: now.toISOString(), cooldownMs, delivery: rule.webhook ? 'queued' : 'none' },
        (id) => this.payload(id, rule, s, person, cropBase64, now),
      );
      if (event) fired.push({ event, rule });
    }
    return fired;
  }

  private payload(id: number, rule: AlertRule, s: StoredSighting, person: Person | undefined, crop: string | null, now: Date): AlertPayload {
    const mode = rule.webhook?.crop ?? 'inline';
    const base = this.deps.publicUrl?.replace(/\/+$/, '');
    let cropField: AlertPayload['crop'] = null;
    if (mode === 'url' && base) cropField = { url: `${base}/api/sightings/${s.id}/crop` };
    else if (mode !== 'none' && crop) cropField = { jpegBase64: crop };
    return alertPayloadSchema.parse({
      version: 1, id, type: 'alert', firedAt: now.toISOString(),
      rule: { id: rule.id, name: rule.name, kind: rule.kind },
      sighting: { id: s.id, cameraId: s.cameraId, personId: s.personId, label: s.label, firstSeen: s.firstSeen, lastSeen: s.lastSeen, score: s.personId ? s.maxScore : null },
      person: person ? { id: person.id, name: person.name } : null,
      camera: { id: s.cameraId, name: this.deps.cameraName?.(s.cameraId) ?? s.cameraId },
      crop: cropField,
    });
  }
}
