import type { Logger } from 'pino';
import type { Sighting } from '../contracts/sighting.schema.js';
import type { FrigateMetrics } from '../metrics/frigate.metrics.js';
import type { StoredSightingEvent } from '../track/sighting.service.js';
import { frigateEventIdPattern } from './frigate-event.schema.js';
import { FrigateHttpError } from './frigate.client.js';

/** The sighting service's events, as the writer listens to them (it never writes a sighting). */
export interface SightingEvents {
  on(event: 'sighting.confirmed' | 'sighting.closed', listener: (e: StoredSightingEvent) => void): unknown;
  on(event: 'sighting.relabelled', listener: (s: Sighting) => void): unknown;
  off(event: 'sighting.confirmed' | 'sighting.closed', listener: (e: StoredSightingEvent) => void): unknown;
  off(event: 'sighting.relabelled', listener: (s: Sighting) => void): unknown;
}

export interface SubLabelTarget {
  setSubLabel(eventId: string, subLabel: string, score?: number): Promise<void>;
}

/** Events whose written sub_label is remembered (for clearing it again). */
const rememberEvents = 10_000;
const attempts = 3;
const retryDelaysMs = [1000, 3000];

/**
 * Frigate's sub_label follows facestream's stored sighting of the event, and nothing else: the
 * sighting service (the one owner) announces a Frigate sighting confirmed, closed or relabelled;
 * when its row names a person, that name goes to `POST /api/events/<id>/sub_label` (with the
 * sighting's best score, 1 - cosine distance; none for a user's correction); when a sighting this
 * writer named ends unnamed (a split vote) or is corrected to "not this person", the sub_label is
 * cleared (subLabel ''). An unchanged name is not sent again, and a sub_label this hub did not
 * write (Frigate's own face recognition, another tool, an earlier run) is never cleared. Writes
 * go out one at a time in order; a failed one is retried twice, then counted and logged.
 */
export class FrigateSubLabels {
  /** Event id -> the sub_label this hub wrote last ('' = cleared); insertion order = age. */
  private readonly written = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  private closing = false;
  readonly counts = { written: 0, cleared: 0, failed: 0 };

  constructor(private readonly deps: {
    sightings: SightingEvents;
    target: SubLabelTarget;
    isFrigateCamera: (cameraId: string) => boolean;
    logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
    metrics?: FrigateMetrics;
  }) {}

  start(): void {
    const { sightings } = this.deps;
    const stored = (e: StoredSightingEvent) => this.sync(e.sighting, true);
    const relabelled = (s: Sighting) => this.sync(s, false);
    sightings.on('sighting.confirmed', stored);
    sightings.on('sighting.closed', stored);
    sightings.on('sighting.relabelled', relabelled);
    this.unsubscribe.push(() => sightings.off('sighting.confirmed', stored), () => sightings.off('sighting.closed', stored), () => sightings.off('sighting.relabelled', relabelled));
  }

  /** What Frigate should show for this sighting's event, queued when it differs from what was written. */
  private sync(s: Sighting, fromTrack: boolean): void {
    if (this.closing || s.trackId === null || !frigateEventIdPattern.test(s.trackId) || !this.deps.isFrigateCamera(s.cameraId)) return;
    const eventId = s.trackId;
    const had = this.written.get(eventId);
    const want = s.personId !== null ? s.label : '';
    // unnamed and never named by this hub: nothing of ours to clear
    if (want === (had ?? '')) return;
    this.remember(eventId, want);
    // the score of the track's vote; a user's correction carries none
    const score = fromTrack && s.personId !== null && s.maxScore > 0 ? s.maxScore : undefined;
    this.chain = this.chain.then(() => this.send(eventId, want, score)).catch((e: Error) => this.deps.logger.warn({ event: eventId, err: e.message }, 'frigate: sub_label not written'));
  }

  private remember(eventId: string, value: string): void {
    this.written.delete(eventId);
    this.written.set(eventId, value);
    if (this.written.size > rememberEvents) this.written.delete(this.written.keys().next().value!);
  }

  private async send(eventId: string, subLabel: string, score: number | undefined): Promise<void> {
    const outcome = subLabel === '' ? 'cleared' : 'written';
    for (let i = 0; i < attempts; i++) {
      try {
        await this.deps.target.setSubLabel(eventId, subLabel, score);
        this.counts[outcome]++;
        this.deps.metrics?.subLabels.inc({ outcome });
        this.deps.logger.info({ event: eventId, subLabel, score }, subLabel === '' ? 'frigate: sub_label cleared' : 'frigate: sub_label written');
        return;
      } catch (e) {
        const last = i === attempts - 1 || this.closing || !(e instanceof FrigateHttpError && e.transient);
        this.deps.logger.warn({ event: eventId, subLabel, err: (e as Error).message, retry: !last }, 'frigate: sub_label not written');
        if (last) break;
        await new Promise((ok) => setTimeout(ok, retryDelaysMs[i]).unref());
      }
    }
    this.counts.failed++;
    this.deps.metrics?.subLabels.inc({ outcome: 'failed' });
    // unknown to Frigate now: a later change is sent again
    if (this.written.get(eventId) === subLabel) this.written.delete(eventId);
  }

  /** Stop listening; wait for the writes already queued (each bounded by the request timeout; no more retries). */
  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.closing = true;
    await this.chain;
  }
}
