import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { changedShare, MotionGate } from '../../../src/ingest/motion.gate.js';

/** A grey 640x360 JPEG with a dark square at x (the "person"). */
const frame = (x: number | null) => {
  const base = sharp({ create: { width: 640, height: 360, channels: 3, background: '#808080' } });
  return (x === null ? base : base.composite([{ input: { create: { width: 80, height: 120, channels: 3, background: '#101010' } }, left: x, top: 100 }])).jpeg({ quality: 85 }).toBuffer();
};

const settings = { motionGate: true, motionPixelDelta: 20, motionMinShare: 0.004, motionIdleDetectMs: 2000 };

describe('MotionGate', () => {
  it('skips still frames of a camera without open tracks, detects on motion, periodically and while a track is open', async () => {
    let open = 0;
    const gate = new MotionGate(settings, async () => open);
    const empty = await frame(null), person = await frame(100), moved = await frame(180);
    expect(await gate.decide('cam', empty, 0)).toBe('first');
    expect(await gate.decide('cam', empty, 200)).toBe('still');
    expect(await gate.decide('cam', empty, 400)).toBe('still');
    expect(await gate.decide('cam', person, 600)).toBe('motion');
    open = 1; // the hub tracks the person now: never skipped, even standing still
    expect(await gate.decide('cam', person, 800)).toBe('track');
    open = 0;
    expect(await gate.decide('cam', person, 1000)).toBe('still');
    expect(await gate.decide('cam', moved, 1200)).toBe('motion');
    expect(await gate.decide('cam', moved, 1400)).toBe('still');
    // no motion for motionIdleDetectMs since the last analysed frame: a full detection anyway
    expect(await gate.decide('cam', moved, 3300)).toBe('idle');
    expect(await gate.decide('cam', moved, 3500)).toBe('still');
    // cameras are independent
    expect(await gate.decide('other', moved, 3500)).toBe('first');
  });

  it('off: every frame is analysed; a failing open-tracks lookup counts as an open track', async () => {
    const off = new MotionGate({ ...settings, motionGate: false }, async () => 0);
    const img = await frame(null);
    expect(await off.decide('cam', img, 0)).toBe('off');
    expect(await off.decide('cam', img, 100)).toBe('off');
    const broken = new MotionGate(settings, async () => { throw new Error('redis down'); });
    await broken.decide('cam', img, 0);
    expect(await broken.decide('cam', img, 100)).toBe('track');
  });

  it('changedShare counts pixels beyond the delta', () => {
    const a = new Uint8Array([10, 10, 10, 10]), b = new Uint8Array([10, 31, 29, 200]);
    expect(changedShare(a, b, 20)).toBe(0.5);
  });
});
