import { z } from 'zod';
import type { CameraStatus } from '../../contracts/camera.schema.js';
import type { Sighting } from '../../contracts/sighting.schema.js';
import { maskUrl } from '../../common/mask-url.js';
import type { AlertPayload } from '../../contracts/alert-rule.schema.js';

export const sightingEvents = ['confirmed', 'closed', 'relabelled'] as const;
export type SightingEventName = (typeof sightingEvents)[number];

/** `<base>/sightings`: one message per sighting event. The crop travels on the snapshot topic only. */
export const mqttSightingMessageSchema = z.strictObject({
  version: z.literal(1),
  event: z.enum(sightingEvents),
  sightingId: z.number().int(),
  cameraId: z.string(),
  personId: z.string().nullable(),
  /** The person's name, only where a face's own embedding named them; null for unknown faces. */
  name: z.string().nullable(),
  /** Unknown faces: the stranger cluster number of this hub run (when known) and the label shown ("unknown #17"). */
  unknown: z.strictObject({ id: z.number().int().nullable(), label: z.string() }).nullable(),
  /** Best similarity to the named person (1 - cosine distance); null for unknown faces. */
  score: z.number().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  frames: z.number().int(),
});
export type MqttSightingMessage = z.infer<typeof mqttSightingMessageSchema>;

export function sightingMessage(event: SightingEventName, s: Sighting): MqttSightingMessage {
  const unknownId = s.metadata.unknownId;
  return {
    version: 1, event, sightingId: s.id, cameraId: s.cameraId, personId: s.personId,
    name: s.personId === null ? null : s.label,
    unknown: s.personId === null ? { id: typeof unknownId === 'number' && Number.isInteger(unknownId) ? unknownId : null, label: s.label } : null,
    score: s.personId === null ? null : s.maxScore,
    firstSeen: s.firstSeen, lastSeen: s.lastSeen, frames: s.frames,
  };
}

/** `<base>/cameras/<id>/last_person`: the name of a named sighting, else 'unknown' (never a stranger number). */
export const lastPersonOf = (s: Pick<Sighting, 'personId' | 'label'>): string => (s.personId === null ? 'unknown' : s.label);

/** The alert payload as webhooks get it, minus an inline crop (the snapshot topic carries the picture). */
export function alertMessage(payload: AlertPayload): AlertPayload {
  const crop = payload.crop && 'jpegBase64' in payload.crop ? null : payload.crop;
  return { ...payload, crop };
}

/** The retained camera status (its URL masked again: the hub may not be the only source of statuses). */
export const cameraStatusMessage = (s: CameraStatus): CameraStatus => ({ ...s, url: maskUrl(s.url), lastError: s.lastError === null ? null : maskUrl(s.lastError) });
