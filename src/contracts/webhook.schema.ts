import { z } from 'zod';

/** Only http(s): a webhook must never reach file:, data: or other schemes. */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The "webhooks" BullMQ job: the exact body to sign and send (the secret is looked up at send time). */
export const webhookJobSchema = z.strictObject({
  version: z.literal(1),
  alertId: z.number().int(),
  ruleId: z.string(),
  url: z.string().refine(isHttpUrl),
  body: z.string(),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;
