import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { openGallery } from '../../src/identify/gallery.js';
import { verifyWebhook } from '../../src/notify/webhook.signer.js';
import { DataStore } from '../../src/store/data.store.js';
import { dataPath, repoRoot } from '../helpers/data.js';
import { createTestEngine, testConfig } from '../helpers/engine.js';
import { cleanupPrefix, sharedRedisUrl, uniquePrefix } from '../helpers/redis.js';

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 250));
  return cond();
};

/**
 * The hub without the dashboard (a headless or scaled deployment): the sighting service, the
 * alerting and the MQTT publisher live in the hub role itself, so a person alert still fires,
 * its webhook is signed and delivered, the sighting's crop is written and Home Assistant hears
 * of Lin — all through the real composition root (`workers/all.ts`), real Redis, Mosquitto,
 * ffmpeg and the engine.
 */
const retained = new Map<string, Buffer>();

describe('headless hub (dashboard.enabled: false)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'fst-headless-'));
  const prefix = uniquePrefix('headless');
  let child: ChildProcess | undefined;
  let server: Server | undefined;
  let mqtt: MqttClient | undefined;
  const base = `fst-test-${prefix}/facestream`, discovery = `fst-test-${prefix}/homeassistant`;

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    server?.close();
    if (mqtt) {
      // clear what the hub left retained under this test's topics
      for (const [topic, payload] of retained) if (payload.length) mqtt.publish(topic, '', { retain: true, qos: 1 });
      await new Promise<void>((ok) => mqtt!.end(false, {}, () => ok()));
    }
    await cleanupPrefix(sharedRedisUrl, prefix);
    rmSync(work, { recursive: true, force: true });
  });

  it('a person alert rule: the webhook is delivered signed, the sighting crop exists, MQTT + Home Assistant hear of Lin', async () => {
    const dataDir = path.join(work, 'data');
    const deliveries: { headers: IncomingHttpHeaders; body: string }[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => { deliveries.push({ headers: req.headers, body }); res.writeHead(204).end(); });
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    // enroll Lin and create the rule before the hub starts (the hub is the single writer while it runs)
    const engine = await createTestEngine();
    const gallery = openGallery({ dataDir, engine, settings: testConfig().gallery });
    const lin = gallery.people.createPerson('lin_manuel_miranda');
    const photos = dataPath('people/gallery/lin_manuel_miranda');
    for (const f of readdirSync(photos)) await gallery.enrollment.enrollPhoto(lin.id, path.join(photos, f));
    const { rule, secret } = gallery.alertRules.create({ version: 1, name: 'Lin on stage', kind: 'person', personIds: [lin.id], cameraIds: [], hours: null, webhook: { url: hookUrl, crop: 'inline' }, enabled: true });
    gallery.close();
    engine.close();

    const messages: { topic: string; payload: Buffer }[] = [];
    mqtt = connect('mqtt://127.0.0.1:1883');
    mqtt.on('message', (topic, payload, packet) => { messages.push({ topic, payload }); if (packet.retain || topic.endsWith('/config') || topic.endsWith('/presence')) retained.set(topic, payload); });
    await new Promise<void>((ok, fail) => { mqtt!.once('connect', () => ok()); mqtt!.once('error', fail); });
    await mqtt.subscribeAsync([`${base}/#`, `${discovery}/#`]);

    const configFile = path.join(work, 'facestream.yaml');
    writeFileSync(configFile, YAML.stringify({
      redis: { url: sharedRedisUrl, prefix },
      data: { dir: dataDir },
      log: { level: 'warn' },
      dashboard: { enabled: false },
      notify: { allowPrivateTargets: true, webhookBackoffMs: 200 },
      vision: { maxFrameAgeMs: 30_000 },
      track: { closeAfterMs: 1500 },
        ingest: { cameras: [{ id: 'stage', url: dataPath('video/hamilton_360p.mp4'), sampleFps: 2 }] },
      mqtt: { enabled: true, baseTopic: base, discoveryPrefix: discovery, presenceTimeoutS: 3 },
    }));
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'workers/all.ts')], {
      cwd: repoRoot, env: { ...process.env, FACESTREAM_CONFIG: configFile }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });

    const delivered = await waitFor(() => deliveries.length > 0, 150_000);
    expect(delivered, `no webhook; hub output:\n${output.slice(-3000)}`).toBe(true);
    const d = deliveries[0]!;
    expect(verifyWebhook(secret, d.headers['x-facestream-timestamp'] as string, d.headers['x-facestream-signature'] as string, d.body)).toBe(true);
    const payload = JSON.parse(d.body) as { rule: { id: string }; person: { id: string; name: string } | null; sighting: { id: number; cameraId: string }; crop: { jpegBase64?: string } | null };
    expect(payload.rule.id).toBe(rule.id);
    expect(payload.person).toMatchObject({ id: lin.id, name: 'lin_manuel_miranda' });
    expect(payload.sighting.cameraId).toBe('stage');
    expect(Buffer.from(payload.crop?.jpegBase64 ?? '', 'base64').subarray(0, 2).toString('hex')).toBe('ffd8');

    // MQTT: Lin's sighting message, his presence discovery config, presence ON then OFF
    const linMessage = () => messages.find((m) => m.topic === `${base}/sightings` && (JSON.parse(m.payload.toString()) as { personId: string | null }).personId === lin.id);
    expect(await waitFor(() => linMessage() !== undefined, 30_000), messages.map((m) => m.topic).join('\n')).toBe(true);
    expect(JSON.parse(linMessage()!.payload.toString())).toMatchObject({ version: 1, cameraId: 'stage', name: 'lin_manuel_miranda' });
    const presence = `${base}/people/${lin.id}/stage/presence`;
    const presenceConfig = messages.find((m) => m.topic.startsWith(`${discovery}/binary_sensor/`) && m.topic.includes(lin.id) && m.payload.length > 0);
    expect(presenceConfig, 'presence discovery config').toBeDefined();
    expect(JSON.parse(presenceConfig!.payload.toString())).toMatchObject({ state_topic: presence, device_class: 'presence' });
    expect(messages.some((m) => m.topic.startsWith(`${discovery}/sensor/`) && m.payload.toString().includes(`${base}/cameras/stage/last_person`))).toBe(true);
    const states = () => messages.filter((m) => m.topic === presence).map((m) => m.payload.toString());
    expect(await waitFor(() => states().includes('ON'), 30_000)).toBe(true);
    // the clip loops; presence goes OFF presenceTimeoutS after the last update of a Lin sighting
    expect(await waitFor(() => states().lastIndexOf('OFF') > states().indexOf('ON'), 60_000), states().join(',')).toBe(true);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child!.once('exit', (c) => ok(c)));
    expect(code, output.slice(-2000)).toBe(0);

    const store = DataStore.open(dataDir);
    try {
      const row = store.sightings.get(payload.sighting.id)!;
      expect(row).toMatchObject({ personId: lin.id, label: 'lin_manuel_miranda' });
      expect(row.cropPath).toMatch(/^crops[\\/]sightings[\\/]\d+\.jpg$/);
      const crop = path.join(dataDir, row.cropPath!);
      expect(existsSync(crop)).toBe(true);
      expect(readFileSync(crop).subarray(0, 2).toString('hex')).toBe('ffd8');
    } finally {
      store.close();
    }
  }, 240_000);
});
