import sharp from 'sharp';
import type { IngestConfig } from '../config/schema.js';

export type MotionSettings = Pick<IngestConfig, 'motionGate' | 'motionPixelDelta' | 'motionMinShare' | 'motionIdleDetectMs'>;

/** Why a frame is analysed, or `still` when detection is skipped. */
export type MotionDecision = 'first' | 'motion' | 'track' | 'idle' | 'still' | 'off';

const thumbW = 64, thumbH = 36;

/** Share of pixels whose grey level moved more than `delta` (both thumbnails the same size). */
export function changedShare(a: Uint8Array, b: Uint8Array, delta: number): number {
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > delta) changed++;
  return changed / Math.max(1, a.length);
}

/** A 64x36 grey thumbnail of a JPEG (libjpeg shrink-on-load keeps this at a few ms for 720p). */
export async function greyThumbnail(jpeg: Buffer): Promise<Uint8Array> {
  const raw = await sharp(jpeg, { failOn: 'none' }).resize(thumbW, thumbH, { fit: 'fill' }).greyscale().raw().toBuffer();
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/**
 * Motion-gated detection, as CCTV users expect (Frigate works this way): per camera, a cheap
 * difference of downscaled grey frames decides whether anything moved. A frame with no motion,
 * while the camera has no open track, skips detection (reported `still`); a full detection
 * still runs at least every motionIdleDetectMs so a person standing still is seen, and a camera
 * with an open track is always analysed (the hub publishes open tracks; unknown counts as open).
 */
export class MotionGate {
  private readonly cameras = new Map<string, { thumb: Uint8Array; lastAnalysedAt: number }>();

  constructor(private readonly settings: MotionSettings, private readonly openTracks: (cameraId: string) => Promise<number>) {}

  async decide(cameraId: string, jpeg: Buffer, capturedAt: number): Promise<MotionDecision> {
    if (!this.settings.motionGate) return 'off';
    let thumb: Uint8Array;
    try {
      thumb = await greyThumbnail(jpeg);
    } catch {
      return 'first'; // not decodable here: let the vision worker report it
    }
    const state = this.cameras.get(cameraId);
    this.cameras.set(cameraId, { thumb, lastAnalysedAt: state?.lastAnalysedAt ?? capturedAt });
    const analysed = (why: MotionDecision): MotionDecision => { this.cameras.get(cameraId)!.lastAnalysedAt = capturedAt; return why; };
    if (!state || state.thumb.length !== thumb.length) return analysed('first');
    if (changedShare(state.thumb, thumb, this.settings.motionPixelDelta) >= this.settings.motionMinShare) return analysed('motion');
    if (capturedAt - state.lastAnalysedAt >= this.settings.motionIdleDetectMs) return analysed('idle');
    let open: number;
    try { open = await this.openTracks(cameraId); } catch { open = 1; }
    return open > 0 ? analysed('track') : 'still';
  }

  removeCamera(cameraId: string): void { this.cameras.delete(cameraId); }
}
