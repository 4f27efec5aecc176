import { z } from 'zod';
import { section } from './base.js';

/** mqtt: the hub's MQTT publisher and Home Assistant discovery (docs/guides/mqtt-home-assistant.md). */

// MQTT topic filter characters (+ #), NUL and empty levels are refused; a leading $ is the broker's ($SYS).
// eslint-disable-next-line no-control-regex
export const mqttTopicPrefix = z.string().max(200).regex(/^(?!\$)[^+#\u0000/]+(?:\/[^+#\u0000/]+)*$/, 'an MQTT topic without + # NUL, empty levels or a leading $ or /');
export const mqttSchemes = ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss'] as const;
export const isMqttUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (mqttSchemes as readonly string[]).includes(u.protocol.slice(0, -1)) && u.hostname.length > 0;
  } catch {
    return false;
  }
};

export const mqttSchema = section({
  enabled: z.boolean().default(false)
    .describe('The hub publishes sightings, camera states, snapshots and alerts to an MQTT broker (and Home Assistant discovery). Never blocks the hub: a broker that is down only fills a bounded buffer.'),
  url: z.string().max(2000).refine(isMqttUrl, `an absolute ${mqttSchemes.join('|')}:// URL`).default('mqtt://127.0.0.1:1883')
    .describe('Broker URL: mqtt:// (TCP), mqtts:// (TLS), ws(s):// (WebSocket). Logged with credentials masked.'),
  username: z.string().max(1000).optional()
    .describe('Broker user name (default none = anonymous).'),
  password: z.string().max(1000).optional()
    .describe('Broker password; never logged. Prefer the environment variable; quote it there when YAML would read it as a number or boolean (\'"1234"\').'),
  clientId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional()
    .describe('MQTT client id (default facestream-<random>); two clients with one id disconnect each other.'),
  baseTopic: mqttTopicPrefix.default('facestream')
    .describe('Every topic of this hub lies under this one (<base>/sightings, <base>/cameras/<id>/..., <base>/status); give each deployment its own.'),
  discovery: z.boolean().default(true)
    .describe('Publish Home Assistant MQTT discovery configs (retained): per camera a last-person sensor and a snapshot camera, per enrolled person and camera a presence binary sensor.'),
  discoveryPrefix: mqttTopicPrefix.default('homeassistant')
    .describe("Home Assistant's discovery prefix (its MQTT integration setting); its <prefix>/status 'online' makes the hub publish the configs again."),
  presenceTimeoutS: z.number().min(1).max(86400).default(60)
    .describe('A person\'s presence at a camera turns OFF this many seconds after the last update of a sighting of them there (each update restarts the timer).'),
  maxBuffered: z.number().int().min(1).max(1_000_000).default(1000)
    .describe('While the broker is unreachable, at most this many event messages (sightings, alerts) wait in memory; the oldest is dropped (and counted) for a new one. Retained states keep only their newest value per topic and are published again on every connect.'),
  reconnectMinMs: z.number().int().min(100).max(600000).default(1000)
    .describe('First reconnect delay (mqtt.js reconnectPeriod); doubles per failed attempt (with jitter) up to reconnectMaxMs.'),
  reconnectMaxMs: z.number().int().min(100).max(600000).default(30000)
    .describe('Cap of the reconnect delay.'),
  tls: z.strictObject({
    ca: z.string().min(1).max(1024).optional()
      .describe('PEM file of the CA(s) that signed the broker certificate (default: the system CAs).'),
    cert: z.string().min(1).max(1024).optional()
      .describe('PEM file of the client certificate (mutual TLS).'),
    key: z.string().min(1).max(1024).optional()
      .describe('PEM file of the client certificate\'s private key.'),
    rejectUnauthorized: z.boolean().default(true)
      .describe('Refuse a broker whose certificate does not verify; false only for testing.'),
  }).prefault({}).describe('TLS options of mqtts:// and wss:// URLs (files are read at start).'),
});

export type MqttConfig = z.infer<typeof mqttSchema>;
