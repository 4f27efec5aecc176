import type { Logger } from 'pino';
import type { FacesJob } from '../../contracts/faces.schema.js';
import type { HubFace } from '../../track/hub.service.js';
import type { PreviewFace, PreviewMessage } from './live-events.schema.js';

/** The newest frame of each camera, written by the ingest (queue/preview.store.ts in the roles); null when none. */
export interface PreviewFrames {
  latest(cameraId: string): Promise<{ seq: number; capturedAt: number; jpeg: Buffer } | null>;
}

/** Where previews go: one channel per socket, with an acknowledgement when the page drew it. */
export interface PreviewTarget {
  id: string;
  send(msg: PreviewMessage, drawn: () => void): void;
}

interface CameraState { faces: PreviewFace[]; facesSeq: number | null; width: number; height: number; lastSeq: number }

/**
 * Low-rate annotated previews. The hub keeps only the newest boxes+names per camera; at most
 * `fps` times a second the newest frame (written by the ingest) is read once and
 * offered to every socket. A socket that has not acknowledged its previous preview gets nothing
 * this round (dropped, never queued): a slow browser costs nothing upstream.
 */
export class PreviewFanout {
  private readonly cameras = new Map<string, CameraState>();
  private readonly targets = new Map<string, { target: PreviewTarget; busy: boolean; sentSeq: Map<string, number> }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking = false;
  readonly counts = { sent: 0, dropped: 0 };

  constructor(private readonly deps: { frames: PreviewFrames; fps: number; logger: Logger }) {}

  start(): void {
    this.timer = setInterval(() => { void this.tick(); }, Math.round(1000 / this.deps.fps));
    this.timer.unref();
  }

  /** Make a camera known before its first analysed frame (status events). */
  addCamera(cameraId: string): void {
    if (!this.cameras.has(cameraId)) this.cameras.set(cameraId, { faces: [], facesSeq: null, width: 0, height: 0, lastSeq: 0 });
  }

  /**
   * A hub frame result: keep its boxes, each labelled as the hub's tracker decided. A name only
   * where it was earned (the face's own embedding, or a verified continuation of its track);
   * a tracked face without that evidence is drawn unverified, with no name.
   */
  onFrame(job: FacesJob, identified: HubFace[]): void {
    if (job.skipped) return;
    this.addCamera(job.cameraId);
    const state = this.cameras.get(job.cameraId)!;
    state.faces = job.faces.map((f, i): PreviewFace => {
      const face = identified[i];
      const name = face?.identity ? face.identity.name : null;
      if (name !== null) return { box: f.box, label: name, known: true, state: 'known' };
      if (face?.identity?.unknown || face?.match === null) return { box: f.box, label: 'unknown', known: false, state: 'unknown' };
      return { box: f.box, label: '', known: false, state: 'unverified' };
    });
    state.facesSeq = job.seq;
    state.width = job.width;
    state.height = job.height;
  }

  addTarget(target: PreviewTarget): void { this.targets.set(target.id, { target, busy: false, sentSeq: new Map() }); }
  removeTarget(id: string): void { this.targets.delete(id); }

  private async tick(): Promise<void> {
    if (this.ticking || this.targets.size === 0) return;
    this.ticking = true;
    try {
      for (const [cameraId, state] of this.cameras) {
        const frame = await this.deps.frames.latest(cameraId);
        if (!frame) continue;
        const { seq } = frame;
        state.lastSeq = seq;
        const msg: PreviewMessage = {
          version: 1, cameraId, seq, capturedAt: frame.capturedAt, facesSeq: state.facesSeq,
          width: state.width, height: state.height, faces: state.faces, jpeg: frame.jpeg,
        };
        for (const t of this.targets.values()) {
          if ((t.sentSeq.get(cameraId) ?? -1) === seq) continue;
          if (t.busy) { this.counts.dropped++; continue; }
          t.busy = true;
          t.sentSeq.set(cameraId, seq);
          this.counts.sent++;
          t.target.send(msg, () => { t.busy = false; });
        }
      }
    } catch (e) {
      this.deps.logger.warn({ err: (e as Error).message }, 'preview round failed');
    } finally {
      this.ticking = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.targets.clear();
  }
}
