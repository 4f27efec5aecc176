import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { alertPayloadSchema, alertRuleInputSchema, type AlertRuleInput } from '../../src/contracts/alert-rule.schema.js';
import { AlertEvaluator } from '../../src/notify/alert.evaluator.js';
import type { AlertRulesRepository } from '../../src/store/alert-rules.repository.js';
import { AlertService } from '../../src/notify/alert.service.js';
import { WebhookDispatcher } from '../../src/notify/webhook.dispatcher.js';
import { verifyWebhook } from '../../src/notify/webhook.signer.js';
import { createRedis } from '../../src/queue/redis.connection.js';
import { WebhooksQueue } from '../../src/queue/webhooks.queue.js';
import { DataStore } from '../../src/store/data.store.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../../support/rtsp-server.js';

interface Hit { body: string; headers: IncomingMessage['headers']; answered: number | 'hung' }

/** A local webhook receiver whose answers are scripted per request: a status, or 'hang' (never answers). */
async function receiver(script: (n: number) => number | 'hang'): Promise<{ url: string; hits: Hit[]; server: Server; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      const what = script(hits.length);
      hits.push({ body, headers: req.headers, answered: what === 'hang' ? 'hung' : what });
      if (what === 'hang') { hanging.push(res); return; }
      res.writeHead(what).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${port}/hook`, hits, server,
    close: () => new Promise<void>((ok) => { for (const r of hanging) r.destroy(); server.closeAllConnections(); server.close(() => ok()); }),
  };
}

const until = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 50));
  return cond();
};

describe('alerts: rules, cooldown and signed webhooks through the BullMQ "webhooks" queue (real Redis)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  let store: DataStore;
  let rules: AlertRulesRepository;
  let service: AlertService;
  let now = Date.parse('2025-06-01T12:00:00Z');
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fst-alerts-'));
    store = DataStore.open(dir);
    rules = store.alertRules;
    const prefix = uniquePrefix('webhooks');
    const redis = createRedis(sharedRedisUrl, 'alerts-test');
    const dispatcher = new WebhookDispatcher({
      queue: new WebhooksQueue(redis, prefix), rules, logger,
      config: { webhookTimeoutMs: 400, webhookAttempts: 3, webhookBackoffMs: 50, webhookConcurrency: 2, allowPrivateTargets: true }, // the receiver is on 127.0.0.1
    });
    dispatcher.start();
    const evaluator = new AlertEvaluator({ rules, people: store.people, defaultCooldownS: 300, clock: { now: () => now } });
    service = new AlertService({ evaluator, dispatcher, rules, logger });
    cleanups.push(async () => { await service.close(); await dispatcher.close(); await redis.quit(); await cleanupPrefix(sharedRedisUrl, prefix); store.close(); rmSync(dir, { recursive: true, force: true }); });
  });
  afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

  const person = (name: string, watchlist = false) => store.people.create(name, { watchlist });
  const sighting = (personId: string | null, cameraId = 'door') => store.sightings.add({
    cameraId, personId, label: personId ? 'someone' : 'unknown #1', firstSeen: new Date(now).toISOString(), lastSeen: new Date(now).toISOString(), maxScore: 0.95, meanScore: 0.94, frames: 3,
  });
  const addRule = (input: Omit<AlertRuleInput, 'version'>) => rules.create(alertRuleInputSchema.parse({ version: 1, ...input }));

  it('signs the body; a receiver answering 500 twice then 200 gets the alert exactly once', async () => {
    const rx = await receiver((n) => (n < 2 ? 500 : 200));
    cleanups.push(rx.close);
    const p = person('Ada');
    const { rule, secret } = addRule({ name: 'Ada at the door', kind: 'person', personIds: [p.id], cameraIds: ['door'], webhook: { url: rx.url, crop: 'inline' } });
    const crop = Buffer.from('fake-jpeg').toString('base64');
    const fired = service.handle(sighting(p.id), crop);
    expect(fired).toHaveLength(1);
    expect(await until(() => rules.event(fired[0]!.id)?.delivery === 'delivered')).toBe(true);
    expect(rx.hits.map((h) => h.answered)).toEqual([500, 500, 200]);
    expect(rx.hits.filter((h) => h.answered === 200)).toHaveLength(1);
    for (const h of rx.hits) {
      expect(verifyWebhook(secret, h.headers['x-facestream-timestamp'] as string, h.headers['x-facestream-signature'] as string, h.body)).toBe(true);
      expect(verifyWebhook('wrong-secret', h.headers['x-facestream-timestamp'] as string, h.headers['x-facestream-signature'] as string, h.body)).toBe(false);
      expect(h.headers['x-facestream-delivery']).toBe(String(fired[0]!.id));
    }
    const body = alertPayloadSchema.parse(JSON.parse(rx.hits[2]!.body));
    expect(body.rule).toEqual({ id: rule.id, name: 'Ada at the door', kind: 'person' });
    expect(body.person).toEqual({ id: p.id, name: 'Ada' });
    expect(body.crop).toEqual({ jpegBase64: crop });
    expect(rules.event(fired[0]!.id)!.attempts).toBe(3);
  });

  it('a hanging receiver times out, is retried, and never blocks the caller', async () => {
    const rx = await receiver((n) => (n === 0 ? 'hang' : 204));
    cleanups.push(rx.close);
    addRule({ name: 'strangers', kind: 'unknown', webhook: { url: rx.url, crop: 'none' } });
    const fired = service.handle(sighting(null), null);
    // handle() returned while nothing has been answered yet: delivery is not on the caller's path
    expect(rx.hits.filter((h) => h.answered !== 'hung')).toHaveLength(0);
    expect(fired).toHaveLength(1);
    expect(await until(() => rules.event(fired[0]!.id)?.delivery === 'delivered')).toBe(true);
    expect(rx.hits.map((h) => h.answered)).toEqual(['hung', 204]);
    expect(JSON.parse(rx.hits[1]!.body).crop).toBeNull();
  });

  it('dead-letters after the configured attempts; retry queues it again', async () => {
    let healthy = false;
    const rx = await receiver(() => (healthy ? 200 : 503));
    cleanups.push(rx.close);
    addRule({ name: 'strangers', kind: 'unknown', webhook: { url: rx.url, crop: 'inline' } });
    const [alert] = service.handle(sighting(null), null);
    expect(await until(() => rules.event(alert!.id)?.delivery === 'dead')).toBe(true);
    expect(rx.hits).toHaveLength(3);
    expect(rules.events({ delivery: 'dead' }).items.map((e) => e.id)).toEqual([alert!.id]);
    expect(rules.event(alert!.id)!.lastError).toContain('503');
    healthy = true;
    expect(await service.retry(alert!.id)).toBe(true);
    expect(await until(() => rules.event(alert!.id)?.delivery === 'delivered')).toBe(true);
    expect(rx.hits.at(-1)!.answered).toBe(200);
  });

  it('cooldown: one visit, one alert; another subject or the end of the cooldown fires again', async () => {
    const ada = person('Ada', true), bob = person('Bob', true), eve = person('Eve', false);
    addRule({ name: 'watch list', kind: 'watchlist', cooldownS: 60 });
    expect(service.handle(sighting(ada.id), null)).toHaveLength(1);
    now += 5_000;
    expect(service.handle(sighting(ada.id), null)).toHaveLength(0); // same visit, track broke up
    expect(service.handle(sighting(bob.id), null)).toHaveLength(1); // another watch-list member
    expect(service.handle(sighting(eve.id), null)).toHaveLength(0); // not on the list
    now += 61_000;
    expect(service.handle(sighting(ada.id), null)).toHaveLength(1);
    expect(rules.events().total).toBe(3);
  });
});
