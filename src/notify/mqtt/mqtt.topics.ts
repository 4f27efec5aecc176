import { createHash } from 'node:crypto';

/** First 8 hex digits of the SHA-256 of the parts (NUL-joined): tells apart ids that sanitise alike. */
export function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 8);
}

// topic wildcards and the level separator, C0/C1 control characters (NUL included) and lone
// UTF-16 surrogates (they cannot be encoded as the UTF-8 a topic must be)
// eslint-disable-next-line no-control-regex
const unsafeInTopic = /[+#/\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const maxSegment = 128;

/**
 * One topic level built from an id (camera, person): returned unchanged when it is safe,
 * else with every unsafe character replaced by `_` and a hash of the original appended
 * (`a/b` -> `a_b~1c2d3e4f`), so two different hostile ids never share a topic and no id can
 * add levels or wildcards to a topic.
 */
export function topicSegment(id: string): string {
  const clean = id.replace(unsafeInTopic, '_');
  if (clean === id && id.length > 0 && id.length <= maxSegment) return id;
  return `${clean.slice(0, maxSegment - 9) || '_'}~${shortHash(id)}`;
}

const haSafe = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Home Assistant node and object ids (discovery topic levels, unique_id parts) allow only
 * [A-Za-z0-9_-]: a safe id is kept, anything else is slugged and given a hash of the original.
 */
export function haId(id: string): string {
  if (haSafe.test(id)) return id;
  return `${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48)}_${shortHash(id)}`;
}

/** A readable object id for an entity of several ids, unique through a hash of the exact ids. */
export function haObjectId(ids: string[], kind: string): string {
  const readable = ids.map((i) => i.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)).join('_');
  return `${readable}_${kind}_${shortHash(...ids)}`;
}

/** Every topic the publisher writes, under one base topic (validated by the config schema). */
export interface MqttTopics {
  /** Retained 'online' / 'offline' (the last will): Home Assistant's availability topic. */
  status: string;
  /** Sighting events (confirmed, closed, relabelled): JSON, not retained. */
  sightings: string;
  /** Fired alerts: JSON, not retained. */
  alerts: string;
  /** Retained JPEG bytes of the latest sighting's crop on the camera. */
  snapshot(cameraId: string): string;
  /** Retained JSON camera status. */
  cameraStatus(cameraId: string): string;
  /** Retained name of the person of the camera's latest sighting, or 'unknown'. */
  lastPerson(cameraId: string): string;
  /** Retained 'ON' / 'OFF': the person was seen at the camera within presenceTimeoutS. */
  presence(personId: string, cameraId: string): string;
}

export function mqttTopics(base: string): MqttTopics {
  const camera = (id: string, leaf: string) => `${base}/cameras/${topicSegment(id)}/${leaf}`;
  return {
    status: `${base}/status`,
    sightings: `${base}/sightings`,
    alerts: `${base}/alerts`,
    snapshot: (id) => camera(id, 'snapshot'),
    cameraStatus: (id) => camera(id, 'status'),
    lastPerson: (id) => camera(id, 'last_person'),
    presence: (personId, cameraId) => `${base}/people/${topicSegment(personId)}/${topicSegment(cameraId)}/presence`,
  };
}
