import { z } from 'zod';
import { section } from './base.js';

/** retention: how long sightings, unknown faces and alert records are kept. */

export const retentionSchema = section({
  sightingsDays: z.number().min(0).max(36500).default(30)
    .describe('Sightings (and their crop files) whose last sighting is older than this many days are deleted; 0 = keep forever.'),
  unknownDays: z.number().min(0).max(36500).default(7)
    .describe('Sightings of unknown faces (and their crops and stranger clusters) are deleted after this many days; 0 = same as sightingsDays.'),
  alertsDays: z.number().min(0).max(36500).default(90)
    .describe('Fired alert records (payloads name people) are deleted after this many days; 0 = keep forever.'),
  intervalMinutes: z.number().int().min(1).max(10080).default(60)
    .describe('The hub runs the retention job (BullMQ job scheduler on the "maintenance" queue) this often.'),
});

export type RetentionConfig = z.infer<typeof retentionSchema>;
