import { z } from 'zod';
import { isHttpUrl } from './webhook.schema.js';


export const alertKinds = ['person', 'unknown', 'watchlist'] as const;
export type AlertKind = (typeof alertKinds)[number];
export const cropModes = ['inline', 'url', 'none'] as const;


const validTimeZone = (tz: string): boolean => {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; }
};

const hour = z.number().int().min(0).max(23);

export const webhookTargetSchema = z.strictObject({
  url: z.string().max(2000).refine(isHttpUrl, 'webhook URL must be an absolute http:// or https:// URL'),
  /** How the face crop travels: inline base64 JPEG, a URL on this hub (notify.publicUrl), or not at all. */
  crop: z.enum(cropModes).default('inline'),
});

/**
 * An alert rule as the API and the dashboard send it.
 * - person: one of `personIds` seen (at `cameraIds`, empty = any camera)
 * - unknown: any unknown face (at `cameraIds`), optionally only within `hours`
 * - watchlist: anyone whose metadata has `watchlist: true`, or listed in `personIds`
 */
export const alertRuleInputSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().trim().min(1).max(200),
  kind: z.enum(alertKinds),
  personIds: z.array(z.string().min(1).max(100)).max(1000).default([]),
  cameraIds: z.array(z.string().min(1).max(64)).max(1000).default([]),
  /** Local hours of day [from, to) in timeZone (default: the hub's); from > to wraps past midnight. */
  hours: z.strictObject({ from: hour, to: hour, timeZone: z.string().max(100).refine(validTimeZone, 'unknown time zone').optional() }).nullable().default(null),
  /** The rule fires at most once per subject (person; camera for unknown faces) in this many seconds (default notify.defaultCooldownS). */
  cooldownS: z.number().int().min(0).max(7 * 86400).optional(),
  webhook: webhookTargetSchema.nullable().default(null),
  enabled: z.boolean().default(true),
}).superRefine((r, ctx) => {
  if (r.kind === 'person' && r.personIds.length === 0) ctx.addIssue({ code: 'custom', path: ['personIds'], message: 'a person rule needs at least one person id' });
  if (r.hours && r.hours.from === r.hours.to) ctx.addIssue({ code: 'custom', path: ['hours'], message: 'hours.from and hours.to must differ' });
});
export type AlertRuleInput = z.input<typeof alertRuleInputSchema>;
export type AlertRuleDefinition = z.output<typeof alertRuleInputSchema>;

/** A stored rule (never carries its webhook secret; see AlertRulesRepository.secretOf). */
export interface AlertRule extends Omit<AlertRuleDefinition, 'version'> {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export const deliveryStates = ['none', 'queued', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** The webhook body (and the Socket.IO "alert" event): versioned, validated before it is sent. */
export const alertPayloadSchema = z.strictObject({
  version: z.literal(1),
  /** Alert id: the same in every retry (receivers dedupe on it; also X-Facestream-Delivery). */
  id: z.number().int(),
  type: z.literal('alert'),
  firedAt: z.string(),
  rule: z.strictObject({ id: z.string(), name: z.string(), kind: z.enum(alertKinds) }),
  sighting: z.strictObject({
    id: z.number().int(), cameraId: z.string(), personId: z.string().nullable(), label: z.string(),
    firstSeen: z.string(), lastSeen: z.string(), score: z.number().nullable(),
  }),
  person: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  camera: z.strictObject({ id: z.string(), name: z.string() }),
  crop: z.union([z.strictObject({ url: z.string() }), z.strictObject({ jpegBase64: z.string() })]).nullable(),
});
export type AlertPayload = z.infer<typeof alertPayloadSchema>;

