import { z } from 'zod';
import { isMqttUrl, mqttSchemes, mqttTopicPrefix } from './mqtt.js';

/** frigate: companion mode, following a Frigate NVR's person events (docs/frigate.md). */

export const frigateSnapshotModes = ['crop', 'full', 'clean'] as const;
const isHttpUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0 && u.username === '' && u.password === '' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
};

export const frigateSchema = z.strictObject({
  enabled: z.boolean().default(false)
    .describe('Frigate companion mode (docs/frigate.md): the hub follows Frigate\'s MQTT events for `person` objects, fetches their snapshots from Frigate\'s HTTP API, names the faces like its own cameras\' (one sighting per Frigate event) and writes confirmed names back as the event\'s sub_label.'),
  url: z.string().max(2000).refine(isHttpUrl, 'an absolute http:// or https:// URL without credentials, query or fragment').default('http://127.0.0.1:5000')
    .describe('Frigate\'s HTTP base URL: the internal port 5000 (no authentication; keep it on the Docker network) or the authenticated port 8971 with username/password or token.'),
  username: z.string().min(1).max(200).optional()
    .describe('Frigate user (Frigate 0.14+ authentication): facestream logs in with POST /api/login and sends the JWT it gets as a bearer token. Writing sub_labels needs an admin user.'),
  password: z.string().max(1000).optional()
    .describe('That user\'s password; never logged.'),
  token: z.string().min(1).max(8192).optional()
    .describe('A bearer token sent with every request instead of logging in (a JWT issued by Frigate, or what a reverse proxy in front of Frigate expects); never logged.'),
  mqttUrl: z.string().max(2000).refine(isMqttUrl, `an absolute ${mqttSchemes.join('|')}:// URL`).default('mqtt://127.0.0.1:1883')
    .describe('The broker Frigate publishes to (its mqtt.host/port). Logged with credentials masked.'),
  mqttUsername: z.string().max(1000).optional()
    .describe('Broker user name (default none = anonymous).'),
  mqttPassword: z.string().max(1000).optional()
    .describe('Broker password; never logged.'),
  mqttClientId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional()
    .describe('MQTT client id (default facestream-frigate-<random>).'),
  topicPrefix: mqttTopicPrefix.default('frigate')
    .describe('Frigate\'s mqtt.topic_prefix: events arrive on <prefix>/events, availability on <prefix>/available.'),
  cameras: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(1000).default([])
    .describe('Frigate cameras to follow (their Frigate names); empty = every camera.'),
  cameraIdPrefix: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/).default('frigate-')
    .describe('A Frigate camera is facestream camera <prefix><name> (sightings, dashboard, alert rules, MQTT topics); keep facestream\'s own camera ids out of this prefix.'),
  snapshot: z.enum(frigateSnapshotModes).default('crop')
    .describe('What is fetched per better snapshot: crop = the person cropped (/api/events/<id>/snapshot.jpg?crop=1), full = the whole frame, clean = the clean PNG (/api/events/<id>/snapshot-clean.png). Boxes and timestamps are never drawn in.'),
  maxFetchesPerEvent: z.number().int().min(1).max(100).default(5)
    .describe('At most this many snapshot fetches per Frigate event (failed ones included); better snapshots after that are dropped and counted.'),
  cameraFetchesPerMinute: z.number().int().min(1).max(6000).default(30)
    .describe('At most this many snapshot fetches per Frigate camera in any minute: a snapshot waits for its turn (and is replaced by a better one meanwhile).'),
  maxOpenEvents: z.number().int().min(1).max(10000).default(200)
    .describe('Frigate events followed at once; new ones beyond this are dropped and counted.'),
  requestTimeoutMs: z.number().int().min(100).max(120000).default(5000)
    .describe('A Frigate HTTP request that has not answered after this long is aborted (a failed fetch, retried once).'),
  subLabel: z.boolean().default(true)
    .describe('Write facestream\'s name for the event back to Frigate (POST /api/events/<id>/sub_label with the score): a name the naming rules gave the event\'s sighting, or a user\'s correction; cleared again when the sighting ends unnamed or is corrected to "not this person".'),
  eventTimeoutS: z.number().int().min(10).max(86400).default(900)
    .describe('A Frigate event with no message for this long is closed (its end message was lost, e.g. while the broker was away).'),
  reconnectMinMs: z.number().int().min(100).max(600000).default(1000)
    .describe('First broker reconnect delay; doubles per failed attempt (with jitter) up to reconnectMaxMs.'),
  reconnectMaxMs: z.number().int().min(100).max(600000).default(30000)
    .describe('Cap of the broker reconnect delay.'),
}).superRefine((f, ctx) => {
  if ((f.username === undefined) !== (f.password === undefined)) ctx.addIssue({ code: 'custom', path: [f.username === undefined ? 'username' : 'password'], message: 'username and password go together' });
  if (f.token !== undefined && f.username !== undefined) ctx.addIssue({ code: 'custom', path: ['token'], message: 'set token or username/password, not both' });
}).prefault({} as never);

export type FrigateConfig = z.infer<typeof frigateSchema>;
