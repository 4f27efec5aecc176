import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../../src/notify/webhook.signer.js';

describe('webhook signatures', () => {
  const body = JSON.stringify({ version: 1, hello: 'world' });
  it('verifies its own signature and nothing altered', () => {
    const ts = 1_700_000_000;
    const sig = signWebhook('s3cret', ts, body);
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret', String(ts), sig, body, { nowS: ts + 10 })).toBe(true);
    expect(verifyWebhook('s3cret', String(ts), sig, body + ' ', { nowS: ts })).toBe(false);
    expect(verifyWebhook('other', String(ts), sig, body, { nowS: ts })).toBe(false);
    expect(verifyWebhook('s3cret', String(ts + 1), sig, body, { nowS: ts })).toBe(false);
    // replayed long after it was signed
    expect(verifyWebhook('s3cret', String(ts), sig, body, { nowS: ts + 3600 })).toBe(false);
    expect(verifyWebhook('s3cret', undefined, sig, body)).toBe(false);
  });
});
