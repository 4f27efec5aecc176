import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryUpdate } from '../../../src/notify/webhook.dispatcher.js';
import { WebhookDispatcher } from '../../../src/notify/webhook.dispatcher.js';
import { createRedis, deletePrefix } from '../../../src/queue/redis.connection.js';
import { WebhooksQueue } from '../../../src/queue/webhooks.queue.js';
import { errorCodes } from '../../../src/errors/index.js';
import {
  checkWebhookTarget, classifyAddress, literalTargetProblem, pinnedLookup, systemResolver, WebhookTargetError,
  type AddressClass, type HostResolver, type ResolvedAddress,
} from '../../../src/notify/target.guard.js';
import { PermanentWebhookError, sendWebhook, type WebhookRequest } from '../../../src/notify/webhook.sender.js';

/** A resolver that answers from a table (and counts its calls); unknown names fail like DNS does. */
function fakeDns(table: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<ResolvedAddress[]> => {
    calls.push(host);
    const a = table[host];
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

interface Hit { url: string; headers: IncomingMessage['headers'] }

async function receiver(answer: (req: IncomingMessage) => [number, Record<string, string>?]): Promise<{ port: number; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ url: req.url ?? '', headers: req.headers });
      const [status, headers] = answer(req);
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as AddressInfo).port, hits, server };
}

const base = (url: string, extra: Partial<WebhookRequest> = {}): WebhookRequest => ({
  url, body: '{"version":1}', secret: 's3cret', alertId: 7, attempt: 1, timeoutMs: 2000, ...extra,
});

/** The error sendWebhook throws (or null when it delivered). */
async function outcome(r: WebhookRequest): Promise<Error | null> {
  try { await sendWebhook(r); return null; } catch (e) { return e as Error; }
}

describe('classifyAddress', () => {
  const table: [string, AddressClass | null][] = [
    // IPv4
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.10', 'private'],
    ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'], ['100.100.100.200', 'metadata'], ['168.63.129.16', 'metadata'], ['192.0.0.192', 'metadata'],
    ['169.254.169.254', 'link-local'], ['169.254.170.2', 'link-local'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'], ['240.0.0.1', 'reserved'],
    ['192.0.0.170', 'reserved'], ['192.0.2.1', 'reserved'], ['198.18.0.1', 'reserved'],
    ['8.8.8.8', null], ['172.15.255.255', null], ['172.32.0.1', null], ['100.63.255.255', null], ['100.128.0.1', null],
    ['192.169.0.1', null], ['169.253.255.255', null], ['93.184.216.34', null],
    // IPv6
    ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['::', 'unspecified'],
    ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['febf::1', 'link-local'],
    ['fc00::1', 'private'], ['fd00:ec2::254', 'metadata'], ['fd00:ec2:0::254', 'metadata'], ['fd00:ec2::1', 'private'], ['::ffff:100.100.100.200', 'metadata'], ['64:ff9b::a83f:8110', 'metadata'], ['fec0::1', 'private'],
    ['ff02::1', 'multicast'], ['ff05::1:3', 'multicast'],
    ['2001:db8::1', 'reserved'], ['100::1', 'reserved'],
    ['2606:4700:4700::1111', null], ['2a00:1450:4001:81c::200e', null],
    // IPv4 inside IPv6: the IPv4 address decides
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'], ['::ffff:10.0.0.1', 'private'], ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', null], ['::127.0.0.1', 'loopback'], ['::8.8.8.8', 'reserved'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'link-local'], ['64:ff9b::8.8.8.8', null], ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::', 'loopback'], ['2002:a9fe:a9fe::1', 'link-local'], ['2002:808:808::1', null],
    ['[::1]', 'loopback'],
  ];
  it.each(table)('%s -> %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
  it('throws on what is not an IP address', () => {
    for (const bad of ['localhost', '127.1', '0x7f.0.0.1', '1.2.3.4.5', '256.0.0.1', ':::1', '', 'fe80::1::2']) {
      expect(() => classifyAddress(bad), bad).toThrow(/not an IP address/);
    }
  });
});

describe('checkWebhookTarget: hostile URLs (allowPrivateTargets false)', () => {
  const dns = fakeDns({
    'hooks.example.com': ['93.184.216.34'],
    'dual.example.com': ['93.184.216.34', '2606:4700:4700::1111'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
    'localtest.me': ['127.0.0.1'],
    'metadata.google.internal': ['169.254.169.254'],
    'v6-mapped.example.com': ['::ffff:127.0.0.1'],
    'ula.example.com': ['fd12:3456::1'],
    'empty.example.com': [],
  });
  // URL -> refused class (or 'ok'): the WHATWG parser normalises decimal, octal, hex and short IPv4 forms first
  const table: [string, string][] = [
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://2130706433/', 'loopback'], // decimal
    ['http://0x7f.1/', 'loopback'], // hex + short form
    ['http://017700000001/', 'loopback'], // octal
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://%31%32%37.0.0.1/', 'loopback'], // percent-encoded host
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback'],
    ['http://[64:ff9b::7f00:1]/', 'loopback'], // NAT64
    ['http://[2002:7f00:1::1]/', 'loopback'], // 6to4
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://10.1.2.3/', 'private'],
    ['http://172.20.0.1/', 'private'],
    ['https://192.168.0.1/', 'private'],
    ['http://[fc00::1]/', 'private'],
    ['http://[fd00:ec2::254]/', 'metadata'], // AWS IPv6 instance metadata
    ['http://100.100.100.200/latest/meta-data/', 'metadata'], // Alibaba Cloud
    ['http://168.63.129.16/machine?comp=goalstate', 'metadata'], // Azure wireserver (a public address)
    ['http://[::ffff:168.63.129.16]/', 'metadata'],
    ['http://100.64.1.1/', 'cgnat'],
    ['http://224.0.0.251/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://localtest.me/', 'loopback'], // a public-looking name resolving to 127.0.0.1
    ['http://metadata.google.internal/computeMetadata/v1/', 'link-local'],
    ['http://mixed.example.com/', 'private'], // one bad address among good ones is enough
    ['http://v6-mapped.example.com/', 'loopback'],
    ['http://ula.example.com/', 'private'],
    ['http://user:pw@10.0.0.1/', 'private'],
    ['ftp://example.com/', 'malformed'],
    ['file:///etc/passwd', 'malformed'],
    ['gopher://127.0.0.1:6379/_FLUSHALL', 'malformed'],
    ['http://exa\u0000mple.com/', 'malformed'], // NUL byte
    ['http://[fe80::1%25eth0]/', 'malformed'], // zone ids are not valid in URLs
    ['not a url', 'malformed'],
    [`http://hooks.example.com/${'a'.repeat(3000)}`, 'malformed'], // very long
    ['http://hooks.example.com/hook', 'ok'],
    ['https://dual.example.com:8443/x?y=1', 'ok'],
    ['http://8.8.8.8/', 'ok'],
    ['http://[2606:4700:4700::1111]/', 'ok'],
  ];
  it.each(table)('%s -> %s', async (url, expected) => {
    let got = 'ok';
    try {
      await checkWebhookTarget(url, { allowPrivate: false, resolve: dns });
    } catch (e) {
      expect(e).toBeInstanceOf(WebhookTargetError);
      expect((e as WebhookTargetError).code).toBe('E_WEBHOOK_TARGET');
      const m = /is an? ([a-z-]+) address: refused/.exec((e as Error).message);
      got = m ? m[1]! : 'malformed';
    }
    expect(got).toBe(expected);
  });

  it('says what to do for LAN receivers, and never shows credentials or the path', async () => {
    const e = await checkWebhookTarget('http://admin:hunter2@192.168.1.5:9000/secret-path', { allowPrivate: false }).catch((x: Error) => x);
    expect((e as Error).message).toBe('webhook target 192.168.1.5:9000 is a private address: refused; set notify.allowPrivateTargets: true for receivers on the LAN');
    const viaName = await checkWebhookTarget('http://localtest.me/x', { allowPrivate: false, resolve: dns }).catch((x: Error) => x);
    expect((viaName as Error).message).toMatch(/^webhook target localtest\.me resolves to 127\.0\.0\.1, which is a loopback address: refused/);
  });

  it('a name with no address or that does not resolve is a transient error (retried), not a refusal', async () => {
    const none = await checkWebhookTarget('http://empty.example.com/', { allowPrivate: false, resolve: dns }).catch((x: Error) => x);
    expect(none).not.toBeInstanceOf(WebhookTargetError);
    const nx = await checkWebhookTarget('http://nx.example.com/', { allowPrivate: false, resolve: dns }).catch((x: Error) => x);
    expect(nx).not.toBeInstanceOf(WebhookTargetError);
    expect((nx as Error).message).toMatch(/ENOTFOUND/);
  });

  it('resolves "localhost" through the system resolver and refuses it', async () => {
    await expect(checkWebhookTarget('http://localhost:8080/', { allowPrivate: false })).rejects.toThrow(/localhost:8080 is a loopback address: refused/);
    // and what the system resolver answers for it is loopback too (so the address check alone refuses it as well)
    const answers = await systemResolver('localhost');
    expect(answers.length).toBeGreaterThan(0);
    for (const a of answers) expect(classifyAddress(a.address)).toBe('loopback');
    // RFC 6761 names are loopback without asking DNS
    for (const url of ['http://localhost.:8080/', 'http://LOCALHOST/', 'http://api.localhost/', 'http://x.y.localhost./']) {
      await expect(checkWebhookTarget(url, { allowPrivate: false, resolve: fakeDns({}) }), url).rejects.toThrow(/is a loopback address: refused/);
    }
  });

  it('allowPrivateTargets lets loopback, private and CGNAT through, never link-local, metadata, multicast or unspecified', async () => {
    const ok = ['http://127.0.0.1/', 'http://localtest.me/', 'http://10.0.0.1/', 'http://[fd00::1]/', 'http://100.64.0.1/', 'http://[::ffff:192.168.1.1]/'];
    for (const url of ok) await expect(checkWebhookTarget(url, { allowPrivate: true, resolve: dns }), url).resolves.toBeTruthy();
    const refused = ['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'http://100.100.100.200/', 'http://168.63.129.16/', 'http://metadata.google.internal/', 'http://[fe80::1]/', 'http://0.0.0.0/', 'http://[::]/', 'http://224.0.0.1/', 'http://255.255.255.255/'];
    for (const url of refused) await expect(checkWebhookTarget(url, { allowPrivate: true, resolve: dns }), url).rejects.toBeInstanceOf(WebhookTargetError);
  });

  it('literalTargetProblem flags literal private hosts only (names are checked at send time)', () => {
    expect(literalTargetProblem('http://127.0.0.1/', false)).toMatch(/loopback/);
    expect(literalTargetProblem('http://2130706433/', false)).toMatch(/loopback/);
    expect(literalTargetProblem('http://127.0.0.1/', true)).toBeNull();
    expect(literalTargetProblem('http://169.254.169.254/', true)).toMatch(/link-local/);
    expect(literalTargetProblem('http://localhost/', false)).toBeNull();
    expect(literalTargetProblem('https://hooks.example.com/', false)).toBeNull();
  });

  it('E_WEBHOOK_TARGET has its own exit code', () => {
    expect(errorCodes.E_WEBHOOK_TARGET).toBeGreaterThan(0);
    expect(new Set(Object.values(errorCodes)).size).toBe(Object.keys(errorCodes).length);
  });
});

describe('pinnedLookup', () => {
  const addrs: ResolvedAddress[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
  const call = (options: unknown) => new Promise<unknown[]>((ok) => pinnedLookup(addrs)('evil.example', options, (...a) => ok(a)));
  it('answers with the checked addresses only, in every calling convention net uses', async () => {
    expect(await call({})).toEqual([null, '127.0.0.1', 4]);
    expect(await call({ family: 6 })).toEqual([null, '::1', 6]);
    expect(await call({ all: true })).toEqual([null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]]);
    expect(await call({ all: true, family: 4 })).toEqual([null, [{ address: '127.0.0.1', family: 4 }]]);
    const [err] = await call({ family: 6, all: false }).then(() => call({ family: 'IPv6' }));
    expect(err).toBeNull();
    const only4 = await new Promise<unknown[]>((ok) => pinnedLookup([addrs[0]!])('x', { family: 6 }, (...a) => ok(a)));
    expect((only4[0] as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});

describe('sendWebhook: the check at send time', () => {
  const servers: Server[] = [];
  afterAll(async () => { for (const s of servers) await new Promise<void>((ok) => { s.closeAllConnections(); s.close(() => ok()); }); });

  it('refuses a private target by default: permanent, coded, and nothing is sent', async () => {
    const rx = await receiver(() => [200]);
    servers.push(rx.server);
    const e = await outcome(base(`http://127.0.0.1:${rx.port}/hook`));
    expect(e).toBeInstanceOf(PermanentWebhookError);
    expect((e as PermanentWebhookError).code).toBe('E_WEBHOOK_TARGET');
    expect(e!.message).toMatch(/^E_WEBHOOK_TARGET: webhook target 127\.0\.0\.1:\d+ is a loopback address: refused/);
    const byName = await outcome(base(`http://localhost:${rx.port}/hook`));
    expect((byName as PermanentWebhookError).code).toBe('E_WEBHOOK_TARGET');
    const rebound = await outcome(base(`http://hooks.partner.example:${rx.port}/hook`, { resolve: fakeDns({ 'hooks.partner.example': ['127.0.0.1'] }) }));
    expect((rebound as PermanentWebhookError).code).toBe('E_WEBHOOK_TARGET');
    expect(rx.hits).toHaveLength(0);
  });

  it('resolves once and connects to the checked address, keeping the Host header (no second DNS query)', async () => {
    const rx = await receiver(() => [204]);
    servers.push(rx.server);
    // the system resolver does not know this name: delivery only works through the pinned address
    const dns = fakeDns({ 'hooks.partner.example': ['127.0.0.1'] });
    expect(await sendWebhook(base(`http://hooks.partner.example:${rx.port}/hook?x=1`, { allowPrivateTargets: true, resolve: dns }))).toBe(204);
    expect(dns.calls).toEqual(['hooks.partner.example']);
    expect(rx.hits).toHaveLength(1);
    expect(rx.hits[0]!.headers.host).toBe(`hooks.partner.example:${rx.port}`);
    expect(rx.hits[0]!.url).toBe('/hook?x=1');
    expect(rx.hits[0]!.headers['x-facestream-delivery']).toBe('7');
  });

  it('DNS rebinding: a resolver that answers public first and private later is asked once per attempt; the socket uses the first answer', async () => {
    let n = 0;
    const calls: string[] = [];
    const rebinding: HostResolver = async (host) => { calls.push(host); return [{ address: n++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }]; };
    // attempt 1: the public answer is checked and pinned; whatever DNS says later, the socket gets this address
    const first = await checkWebhookTarget('http://rebind.example/', { allowPrivate: false, resolve: rebinding });
    const pinned = await new Promise<unknown[]>((ok) => pinnedLookup(first.addresses)('rebind.example', { all: true }, (...a) => ok(a)));
    expect(pinned).toEqual([null, [{ address: '93.184.216.34', family: 4 }]]);
    // attempt 2 (the next retry) gets 127.0.0.1 and is refused before connecting
    const rx = await receiver(() => [200]);
    servers.push(rx.server);
    const second = await outcome(base(`http://rebind.example:${rx.port}/`, { resolve: rebinding }));
    expect((second as PermanentWebhookError).code).toBe('E_WEBHOOK_TARGET');
    expect(calls).toEqual(['rebind.example', 'rebind.example']);
    expect(rx.hits).toHaveLength(0);
  });

  it('never follows a redirect, even from an allowed target to a private or metadata address: permanent failure with the reason', async () => {
    const inner = await receiver(() => [200]);
    servers.push(inner.server);
    const locations = [`http://127.0.0.1:${inner.port}/admin`, 'http://169.254.169.254/latest/meta-data/iam', `http://[::ffff:127.0.0.1]:${inner.port}/`, '/relative'];
    for (const [i, location] of locations.entries()) {
      const outer = await receiver(() => [[301, 302, 307, 308][i]!, { location }]);
      servers.push(outer.server);
      // a public-looking name (resolved by the injected resolver) that redirects into the LAN
      const dns = fakeDns({ 'hooks.partner.example': ['127.0.0.1'] });
      const e = await outcome(base(`http://hooks.partner.example:${outer.port}/hook`, { allowPrivateTargets: true, resolve: dns }));
      expect(e, location).toBeInstanceOf(PermanentWebhookError);
      expect(e!.message).toMatch(/^receiver answered HTTP 30\d \(redirect to [^)]+\): redirects are not followed/);
      expect(e!.message).not.toContain('/admin'); // only the origin of the Location is shown
      expect(outer.hits).toHaveLength(1);
    }
    expect(inner.hits).toHaveLength(0);
  });

  it('keeps the existing classification of answers: 2xx ok, 4xx permanent, 408/429/5xx retried', async () => {
    const statuses = [200, 404, 408, 429, 503];
    let i = 0;
    const rx = await receiver(() => [statuses[i++]!]);
    servers.push(rx.server);
    const url = `http://127.0.0.1:${rx.port}/`;
    expect(await sendWebhook(base(url, { allowPrivateTargets: true }))).toBe(200);
    expect(await outcome(base(url, { allowPrivateTargets: true }))).toBeInstanceOf(PermanentWebhookError);
    for (let k = 0; k < 3; k++) {
      const e = await outcome(base(url, { allowPrivateTargets: true }));
      expect(e).not.toBeInstanceOf(PermanentWebhookError);
      expect(e!.message).toMatch(/receiver answered HTTP (408|429|503)/);
    }
  });

  it('refuses credentials in the URL and times out a hanging receiver', async () => {
    const rx = await receiver(() => [200]);
    servers.push(rx.server);
    expect(await outcome(base(`http://u:p@127.0.0.1:${rx.port}/`, { allowPrivateTargets: true }))).toBeInstanceOf(PermanentWebhookError);
    const hang = createServer(() => { /* never answers */ });
    await new Promise<void>((ok) => hang.listen(0, '127.0.0.1', ok));
    servers.push(hang);
    const e = await outcome(base(`http://127.0.0.1:${(hang.address() as AddressInfo).port}/`, { allowPrivateTargets: true, timeoutMs: 300 }));
    expect(e!.message).toBe('no answer within 300 ms');
    const slowDns: HostResolver = () => new Promise(() => { /* never answers */ });
    expect((await outcome(base('http://slow.example/', { resolve: slowDns, timeoutMs: 200 })))!.message).toBe('no answer within 200 ms');
  });
});

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await (async () => {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try { await r.connect(); await r.ping(); return true; } catch { return false; } finally { r.disconnect(); }
})();

describe.skipIf(!redisUp)('WebhookDispatcher: a refused target is dead at once (real Redis)', () => {
  it('one attempt, delivery dead, error E_WEBHOOK_TARGET; with allowPrivateTargets the same target is delivered', async () => {
    const rx = await receiver(() => [200]);
    const prefix = `fst-webhook-target-${randomUUID().slice(0, 8)}`;
    const redis = createRedis(redisUrl, 'webhook-target-test');
    const updates: DeliveryUpdate[] = [];
    const make = (allowPrivateTargets: boolean, p: string) => new WebhookDispatcher({
      queue: new WebhooksQueue(redis, p), logger: pino({ level: 'silent' }),
      rules: { secretOf: () => 'secret', setDelivery: () => {} },
      config: { webhookTimeoutMs: 1000, webhookAttempts: 5, webhookBackoffMs: 20, webhookConcurrency: 1, allowPrivateTargets },
      onDelivery: (u) => updates.push(u),
    });
    const strict = make(false, prefix);
    const lan = make(true, `${prefix}-lan`);
    try {
      strict.start();
      lan.start();
      const url = `http://127.0.0.1:${rx.port}/hook`;
      await strict.enqueue({ version: 1, alertId: 1, ruleId: 'r', url, body: '{}' });
      await lan.enqueue({ version: 1, alertId: 2, ruleId: 'r', url, body: '{}' });
      const end = Date.now() + 15_000;
      while (Date.now() < end && !(updates.some((u) => u.alertId === 1) && updates.some((u) => u.alertId === 2))) await new Promise((ok) => setTimeout(ok, 25));
      const one = updates.filter((u) => u.alertId === 1);
      expect(one).toEqual([{ alertId: 1, delivery: 'dead', attempts: 1, error: expect.stringMatching(/^E_WEBHOOK_TARGET: webhook target 127\.0\.0\.1:\d+ is a loopback address: refused/) }]);
      expect(updates.filter((u) => u.alertId === 2)).toEqual([{ alertId: 2, delivery: 'delivered', attempts: 1, error: null }]);
      expect(rx.hits).toHaveLength(1);
    } finally {
      await strict.close();
      await lan.close();
      await redis.quit();
      await deletePrefix(redisUrl, prefix);
      await deletePrefix(redisUrl, `${prefix}-lan`);
      await new Promise<void>((ok) => { rx.server.closeAllConnections(); rx.server.close(() => ok()); });
    }
  });
});
