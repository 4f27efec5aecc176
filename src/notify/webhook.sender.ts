import { deliveryHeader, signatureHeader, signWebhook, timestampHeader } from './webhook.signer.js';

/** A receiver answered with a status that retrying will not change (4xx other than 408/429). */
export class PermanentWebhookError extends Error {
  constructor(message: string) { super(message); this.name = 'PermanentWebhookError'; }
}

export interface WebhookRequest { url: string; body: string; secret: string; alertId: number; attempt: number; timeoutMs: number; nowMs?: number }

/**
 * One signed POST. The timestamp is taken per attempt (receivers reject stale ones); the
 * request is aborted after timeoutMs, so a hanging receiver costs one slot for that long.
 * Redirects are not followed (a signed body must not be replayed to another host).
 */
export async function sendWebhook(r: WebhookRequest): Promise<number> {
  const ts = Math.floor((r.nowMs ?? Date.now()) / 1000);
  let res: Response;
  try {
    res = await fetch(r.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(r.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'facestream-webhooks/1',
        [timestampHeader]: String(ts),
        [signatureHeader]: signWebhook(r.secret, ts, r.body),
        [deliveryHeader]: String(r.alertId),
        'x-facestream-attempt': String(r.attempt),
      },
      body: r.body,
    });
  } catch (e) {
    const err = e as Error;
    throw new Error(err.name === 'TimeoutError' ? `no answer within ${r.timeoutMs} ms` : `request failed: ${err.message}`);
  }
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status < 300) return res.status;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentWebhookError(`receiver answered HTTP ${res.status}`);
  throw new Error(`receiver answered HTTP ${res.status}`);
}
