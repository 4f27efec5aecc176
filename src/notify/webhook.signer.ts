import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'x-facestream-signature';
export const timestampHeader = 'x-facestream-timestamp';
export const deliveryHeader = 'x-facestream-delivery';

/**
 * `v1=<hex HMAC-SHA256(secret, "${timestamp}.${rawBody}")>`: the timestamp is signed too so a
 * captured request cannot be replayed later with a fresh timestamp.
 */
export function signWebhook(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/**
 * Receiver side (what docs/guides/alerts.md shows): true when the signature matches and the timestamp is
 * within `toleranceS` of now. Comparison is constant-time.
 */
export function verifyWebhook(secret: string, timestamp: string | undefined, signature: string | undefined, rawBody: string | Buffer, options: { toleranceS?: number; nowS?: number } = {}): boolean {
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = options.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), rawBody));
  const got = Buffer.from(signature);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
