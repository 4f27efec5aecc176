import { Counter, Gauge, type Registry } from 'prom-client';

/** Why Frigate work was not done (facestream_frigate_dropped_total{reason}). */
export const frigateDropReasons = [
  /** A better snapshot replaced one still waiting for its fetch. */
  'superseded',
  /** The event had used frigate.maxFetchesPerEvent. */
  'event_limit',
  /** frigate.maxOpenEvents events were followed already. */
  'too_many_events',
  /** The event ended and its last snapshot found no fetch slot of its camera in time (frigate.cameraFetchesPerMinute). */
  'rate_limited',
  /** A snapshot whose fetch failed twice (timeout, 5xx, network) or for good (4xx, not an image). */
  'fetch_failed',
  /** A message on <prefix>/events that is not a Frigate event. */
  'invalid',
  /** Waiting work when the hub closed. */
  'closing',
] as const;
export type FrigateDropReason = (typeof frigateDropReasons)[number];

/** Frigate companion mode (src/frigate), on the registry handed in. */
export class FrigateMetrics {
  /** Person events accepted from Frigate's MQTT, by message type (new, update, end). */
  readonly events: Counter<'camera' | 'type'>;
  /** Snapshot fetches by outcome (fetched, failed). */
  readonly snapshots: Counter<'camera' | 'outcome'>;
  readonly dropped: Counter<'camera' | 'reason'>;
  /** sub_label writes to Frigate by outcome (written, cleared, failed). */
  readonly subLabels: Counter<'outcome'>;
  readonly openEvents: Gauge;
  /** 1 while the connection to Frigate's broker is up. */
  readonly brokerUp: Gauge;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.events = new Counter({ name: 'facestream_frigate_events_total', help: 'Frigate person events received over MQTT, by type', labelNames: ['camera', 'type'], registers });
    this.snapshots = new Counter({ name: 'facestream_frigate_snapshots_total', help: 'Frigate snapshot fetches by outcome (fetched, failed)', labelNames: ['camera', 'outcome'], registers });
    this.dropped = new Counter({ name: 'facestream_frigate_dropped_total', help: 'Frigate work not done, by reason (superseded, event_limit, too_many_events, rate_limited, fetch_failed, invalid, closing)', labelNames: ['camera', 'reason'], registers });
    this.subLabels = new Counter({ name: 'facestream_frigate_sub_labels_total', help: 'sub_label writes to Frigate by outcome (written, cleared, failed)', labelNames: ['outcome'], registers });
    this.openEvents = new Gauge({ name: 'facestream_frigate_open_events', help: 'Frigate events followed now', registers });
    this.brokerUp = new Gauge({ name: 'facestream_frigate_broker_up', help: '1 while the connection to Frigate\'s MQTT broker is up', registers });
  }
}
