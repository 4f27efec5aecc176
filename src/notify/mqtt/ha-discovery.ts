import type { MqttTopics } from './mqtt.topics.js';
import { haId, haObjectId } from './mqtt.topics.js';

/** What the Home Assistant discovery configs of one hub share. */
export interface DiscoveryContext {
  /** Home Assistant's discovery prefix (default homeassistant). */
  prefix: string;
  /** The hub's base topic: names its node and its device (two hubs never share entities). */
  baseTopic: string;
  topics: MqttTopics;
  /** facestream's version, shown on the device. */
  version?: string;
}

export interface DiscoveryMessage {
  topic: string;
  /** The retained config; null = remove the entity (an empty retained payload). */
  payload: Record<string, unknown> | null;
}

export interface NamedRef { id: string; name: string }

const nodeOf = (ctx: DiscoveryContext) => haId(ctx.baseTopic);

function common(ctx: DiscoveryContext, objectId: string): Record<string, unknown> {
  const node = nodeOf(ctx);
  return {
    unique_id: `facestream_${node}_${objectId}`,
    availability_topic: ctx.topics.status,
    payload_available: 'online',
    payload_not_available: 'offline',
    device: {
      identifiers: [`facestream_${node}`],
      name: ctx.baseTopic === 'facestream' ? 'facestream' : `facestream ${ctx.baseTopic}`,
      manufacturer: 'facestream',
      model: 'face recognition hub',
      ...(ctx.version ? { sw_version: ctx.version } : {}),
    },
    origin: { name: 'facestream', ...(ctx.version ? { sw_version: ctx.version } : {}) },
  };
}

const configTopic = (ctx: DiscoveryContext, component: string, objectId: string) => `${ctx.prefix}/${component}/${nodeOf(ctx)}/${objectId}/config`;

/** Per camera: a "last person seen" sensor and a camera entity showing the latest snapshot. */
export function cameraDiscovery(ctx: DiscoveryContext, camera: NamedRef): DiscoveryMessage[] {
  const sensorId = haObjectId([camera.id], 'last_person');
  const snapshotId = haObjectId([camera.id], 'snapshot');
  return [
    {
      topic: configTopic(ctx, 'sensor', sensorId),
      payload: { name: `${camera.name} last person seen`, ...common(ctx, sensorId), state_topic: ctx.topics.lastPerson(camera.id), icon: 'mdi:face-recognition' },
    },
    {
      topic: configTopic(ctx, 'camera', snapshotId),
      payload: { name: `${camera.name} snapshot`, ...common(ctx, snapshotId), topic: ctx.topics.snapshot(camera.id) },
    },
  ];
}

export function presenceDiscoveryTopic(ctx: DiscoveryContext, personId: string, cameraId: string): string {
  return configTopic(ctx, 'binary_sensor', haObjectId([personId, cameraId], 'presence'));
}

/** Per enrolled person and camera: "<name> present at <camera>" (ON while seen there recently). */
export function presenceDiscovery(ctx: DiscoveryContext, person: NamedRef, camera: NamedRef): DiscoveryMessage {
  const objectId = haObjectId([person.id, camera.id], 'presence');
  return {
    topic: configTopic(ctx, 'binary_sensor', objectId),
    payload: {
      name: `${person.name} present at ${camera.name}`, ...common(ctx, objectId),
      state_topic: ctx.topics.presence(person.id, camera.id), payload_on: 'ON', payload_off: 'OFF', device_class: 'presence',
    },
  };
}

/** Removing a person: an empty retained config deletes the entity in Home Assistant. */
export function presenceRemoval(ctx: DiscoveryContext, personId: string, cameraId: string): DiscoveryMessage {
  return { topic: presenceDiscoveryTopic(ctx, personId, cameraId), payload: null };
}
