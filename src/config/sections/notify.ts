import { z } from 'zod';
import { section } from './base.js';

/** notify: webhook delivery of alerts (docs/guides/alerts.md). */

export const notifySchema = section({
  webhookTimeoutMs: z.number().int().min(100).max(120000).default(5000)
    .describe('A webhook request that has not answered after this long is aborted (and retried).'),
  webhookAttempts: z.number().int().min(1).max(50).default(6)
    .describe('Delivery attempts per alert before it is dead-lettered (shown in the dashboard).'),
  webhookBackoffMs: z.number().int().min(10).max(600000).default(2000)
    .describe('First retry delay; doubles with each attempt (exponential backoff).'),
  webhookConcurrency: z.number().int().min(1).max(100).default(4)
    .describe('Webhook requests in flight at once (a hanging receiver holds one slot until its timeout).'),
  publicUrl: z.string().url().max(2000).regex(/^https?:\/\//i, 'an http:// or https:// URL').optional()
    .describe('Base URL of this hub as webhook receivers reach it; needed for rules that send a crop URL instead of inline base64.'),
  defaultCooldownS: z.number().int().min(0).max(86400).default(300)
    .describe('Cooldown of a rule that sets none: the same rule fires at most once per subject (person, or camera for unknown faces) in this many seconds.'),
  allowPrivateTargets: z.boolean().default(false)
    .describe('Let webhooks reach loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) and CGNAT (100.64/10) addresses, for LAN receivers. Link-local (cloud metadata), multicast and reserved addresses are refused always, failing at once with E_WEBHOOK_TARGET (see docs/security.md#webhook-targets).'),
});

export type NotifyConfig = z.infer<typeof notifySchema>;
