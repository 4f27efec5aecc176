import { describe, expect, it } from 'vitest';
import {
  cornerIou, decodeTinyYolo, rectIou, reshapedSize, sigmoid, ssdDetections, ssdNms, tinyDetections, tinyNms,
} from '../../../../src/vision/detect/postprocess.js';
import { landmarkPoints, squareCrop } from '../../../../src/vision/landmarks/landmark68.model.js';
import { detectorSchema, type DetectorConfig } from '../../../../src/config/schema.js';
import { detectionPad } from '../../../../src/vision/face.pipeline.js';

describe('reshapedSize (face-api computeReshapedDimensions)', () => {
  it('scales the longer side to the input size and rounds the other', () => {
    expect(reshapedSize({ width: 640, height: 480 }, 512)).toEqual({ width: 512, height: 384 });
    expect(reshapedSize({ width: 293, height: 473 }, 512)).toEqual({ width: 317, height: 512 });
    expect(reshapedSize({ width: 416, height: 416 }, 416)).toEqual({ width: 416, height: 416 });
  });
});

describe('SSD post-processing', () => {
  // corners [top, left, bottom, right], relative
  const A = [0, 0, 0.5, 0.5];
  const B = [0, 0.05, 0.5, 0.55]; // IoU with A = 0.225 / 0.275 = 0.818
  const C = [0.6, 0.6, 1, 1]; // disjoint from A
  const D = [0.1, 0.1, 0.4, 0.4]; // inside A: IoU 0.09 / 0.25 = 0.36
  const flat = (...bs: number[][]) => Float32Array.from(bs.flat());

  it('cornerIou: identical 1, disjoint 0, corner order free, empty boxes 0', () => {
    expect(cornerIou(flat(A, A), 0, 1)).toBeCloseTo(1, 6);
    expect(cornerIou(flat(A, C), 0, 1)).toBe(0);
    expect(cornerIou(flat(A, B), 0, 1)).toBeCloseTo(0.225 / 0.275, 6);
    expect(cornerIou(flat(A, [0.5, 0.55, 0, 0.05]), 0, 1)).toBeCloseTo(0.225 / 0.275, 6);
    expect(cornerIou(flat(A, [0.2, 0.2, 0.2, 0.4]), 0, 1)).toBe(0);
  });

  it('ssdNms: strict score threshold, best first, suppresses IoU above the threshold only', () => {
    const boxes = flat(A, B, C, D, A);
    const scores = Float32Array.from([0.9, 0.8, 0.7, 0.6, 0.4]);
    // B overlaps A (0.82 > 0.5): dropped; D overlaps A by 0.36: kept; the last scores exactly 0.4: not a candidate
    expect(ssdNms(boxes, scores, { scoreThreshold: 0.4, iouThreshold: 0.5, maxResults: 100 })).toEqual([0, 2, 3]);
    expect(ssdNms(boxes, scores, { scoreThreshold: 0.4, iouThreshold: 0.3, maxResults: 100 })).toEqual([0, 2]);
    expect(ssdNms(boxes, scores, { scoreThreshold: 0.4, iouThreshold: 0.9, maxResults: 100 })).toEqual([0, 1, 2, 3]);
    expect(ssdNms(boxes, scores, { scoreThreshold: 0.4, iouThreshold: 0.5, maxResults: 2 })).toEqual([0, 2]);
    expect(ssdNms(boxes, scores, { scoreThreshold: 0.95, iouThreshold: 0.5, maxResults: 100 })).toEqual([]);
    // unsorted input and ties: order by score, equal scores keep index order
    expect(ssdNms(flat(C, A, A), Float32Array.from([0.5, 0.7, 0.7]), { scoreThreshold: 0.1, iouThreshold: 0.5, maxResults: 10 })).toEqual([1, 0]);
  });

  it('ssdDetections: clamps to the padded square, scales to image pixels, drops empty boxes', () => {
    // 200x100 image in a 512 input: reshaped 512x256, so the image covers the top half (padY = 2)
    const boxes = flat([0.1, 0.2, 0.3, 0.6], [-0.1, -0.2, 0.3, 1.2], [0.6, 0.1, 0.9, 0.3], [0.1, 0.1, 0.2, 0.15]);
    const scores = Float32Array.from([0.9, 0.8, 0.7, 0.1]);
    const dets = ssdDetections(boxes, scores, { width: 200, height: 100 }, 512, { scoreThreshold: 0.5, iouThreshold: 0.5, maxResults: 100 });
    expect(dets).toHaveLength(3);
    const [d0, d1, d2] = dets;
    expect(d0!.score).toBeCloseTo(0.9, 6);
    expect(d0!.box.x).toBeCloseTo(40, 4);
    expect(d0!.box.y).toBeCloseTo(20, 4);
    expect(d0!.box.width).toBeCloseTo(80, 4);
    expect(d0!.box.height).toBeCloseTo(40, 4);
    expect(d1!.box.x).toBe(0);
    expect(d1!.box.y).toBe(0);
    expect(d1!.box.width).toBeCloseTo(200, 4);
    expect(d1!.box.height).toBeCloseTo(60, 4);
    // in the padding below the image: still reported, as face-api does (the engine clips later)
    expect(d2!.box.y).toBeCloseTo(120, 4);
    // a box entirely beyond the clamp range has no size left: dropped (face-api would throw)
    expect(ssdDetections(flat([1.2, 0.1, 1.5, 0.3]), Float32Array.from([0.9]), { width: 100, height: 100 }, 512, { scoreThreshold: 0.5, iouThreshold: 0.5, maxResults: 10 })).toEqual([]);
  });
});

describe('Tiny YOLO post-processing', () => {
  it('sigmoid', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(0.880797, 6);
    expect(sigmoid(-40)).toBeLessThan(1e-15);
  });

  /** Raw output for numCells x numCells cells, anchors anchors, every objectness -5 unless set. */
  function raw(numCells: number, anchors: number, set: { row: number; col: number; anchor: number; v: [number, number, number, number, number] }[]) {
    const out = new Float32Array(numCells * numCells * anchors * 5);
    for (let k = 4; k < out.length; k += 5) out[k] = -5;
    for (const s of set) out.set(s.v, ((s.row * numCells + s.col) * anchors + s.anchor) * 5);
    return out;
  }

  it('decodeTinyYolo: YOLO v2 cell/anchor decoding and the score threshold', () => {
    const out = raw(2, 1, [{ row: 1, col: 0, anchor: 0, v: [0, 0, 0, 0, 2] }]);
    const square = decodeTinyYolo(out, 2, [{ x: 1, y: 2 }], { width: 416, height: 416 }, 0.5);
    expect(square).toHaveLength(1);
    // centre ((0 + 0.5) / 2, (1 + 0.5) / 2), size (1 / 2, 2 / 2)
    expect(square[0]!.score).toBeCloseTo(sigmoid(2), 6);
    expect(square[0]!.box.x).toBeCloseTo(0, 6);
    expect(square[0]!.box.y).toBeCloseTo(0.25, 6);
    expect(square[0]!.box.width).toBeCloseTo(0.5, 6);
    expect(square[0]!.box.height).toBeCloseTo(1, 6);
    // a wide image fills only the top half of the input: y and height are stretched by 2
    const wide = decodeTinyYolo(out, 2, [{ x: 1, y: 2 }], { width: 416, height: 208 }, 0.5);
    expect(wide[0]!.box.y).toBeCloseTo(0.5, 6);
    expect(wide[0]!.box.height).toBeCloseTo(2, 6);
    // a threshold of 0 keeps every box (face-api: "!scoreThreshold ||")
    expect(decodeTinyYolo(out, 2, [{ x: 1, y: 2 }], { width: 416, height: 416 }, 0)).toHaveLength(4);
    expect(decodeTinyYolo(out, 2, [{ x: 1, y: 2 }], { width: 416, height: 416 }, 0.9)).toHaveLength(0);
    expect(() => decodeTinyYolo(out, 3, [{ x: 1, y: 2 }], { width: 416, height: 416 }, 0.5)).toThrow(/expected 3x3x1x5/);
  });

  it('rectIou and tinyNms: best first, suppress above the threshold, equal scores take the later box', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    const b = { x: 5, y: 0, width: 10, height: 10 }; // IoU 50 / 150
    const c = { x: 20, y: 20, width: 5, height: 5 };
    expect(rectIou(a, a)).toBe(1);
    expect(rectIou(a, b)).toBeCloseTo(1 / 3, 9);
    expect(rectIou(a, c)).toBe(0);
    expect(tinyNms([a, b, c], [0.6, 0.9, 0.7], 0.3)).toEqual([1, 2]);
    expect(tinyNms([a, b, c], [0.6, 0.9, 0.7], 0.4)).toEqual([1, 2, 0]);
    expect(tinyNms([a, a], [0.8, 0.8], 0.4)).toEqual([1]);
    expect(tinyNms([], [], 0.4)).toEqual([]);
  });

  it('tinyDetections: decode, NMS, and image pixels', () => {
    // two anchors of one cell predict nearly the same box: one survives; a third elsewhere stays
    const anchors = [{ x: 1, y: 1 }, { x: 1.1, y: 1.1 }];
    const out = raw(4, 2, [
      { row: 1, col: 1, anchor: 0, v: [0, 0, 0, 0, 1] },
      { row: 1, col: 1, anchor: 1, v: [0, 0, 0, 0, 3] },
      { row: 3, col: 2, anchor: 0, v: [0, 0, 0, 0, 2] },
    ]);
    const dets = tinyDetections(out, 4, anchors, { width: 800, height: 400 }, 416, 0.5, 0.4);
    expect(dets.map((d) => d.score)).toEqual([sigmoid(3), sigmoid(2)].map((s) => expect.closeTo(s, 6)));
    // anchor 1 at cell (1, 1): centre (1.5/4, 1.5/4 * 2) relative, size (1.1/4, 1.1/4 * 2); image 800 x 400
    const b = dets[0]!.box;
    expect(b.width).toBeCloseTo(1.1 / 4 * 800, 3);
    expect(b.height).toBeCloseTo(1.1 / 4 * 2 * 400, 3);
    expect(b.x + b.width / 2).toBeCloseTo(1.5 / 4 * 800, 3);
    expect(b.y + b.height / 2).toBeCloseTo(1.5 / 4 * 2 * 400, 3);
  });
});

describe('landmarkPoints', () => {
  it('scales interleaved relative x/y by each crop\'s width and height', () => {
    const out = new Float32Array(2 * 136);
    for (let i = 0; i < 68; i++) {
      out[2 * i] = i / 68; out[2 * i + 1] = 0.5;
      out[136 + 2 * i] = 0.25; out[136 + 2 * i + 1] = i / 68;
    }
    const pts = landmarkPoints(out, [{ width: 100, height: 50 }, { width: 40, height: 80 }]);
    expect(pts).toHaveLength(2);
    expect(pts[0]).toHaveLength(68);
    expect(pts[0]![34]![0]).toBeCloseTo(50, 4);
    expect(pts[0]![34]![1]).toBeCloseTo(25, 4);
    expect(pts[1]![34]![0]).toBeCloseTo(10, 4);
    expect(pts[1]![34]![1]).toBeCloseTo(40, 4);
    expect(() => landmarkPoints(out, [{ width: 1, height: 1 }])).toThrow(/136/);
  });
});

describe('squareCrop', () => {
  // a 4x3 image whose pixel (x, y) is (10y + x, 100 + 10y + x, 200 + 10y + x)
  const image = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => { const p = Math.floor(i / 3), c = i % 3; return 100 * c + 10 * Math.floor(p / 4) + (p % 4); }) };
  const px = (crop: { data: Float32Array; side: number }, x: number, y: number) => [...crop.data.subarray((y * crop.side + x) * 3, (y * crop.side + x) * 3 + 3)];

  it('pads the shorter side like face-api padToSquare(centred): n - round(n/2) before, round(n/2) after', () => {
    const tall = squareCrop(image, { x: 1, y: 0, width: 1, height: 3 }); // n = 2: one column each side
    expect(tall.side).toBe(3);
    expect(px(tall, 0, 0)).toEqual([0, 0, 0]);
    expect(px(tall, 1, 0)).toEqual([1, 101, 201]);
    expect(px(tall, 1, 2)).toEqual([21, 121, 221]);
    expect(px(tall, 2, 2)).toEqual([0, 0, 0]);
    const wide = squareCrop(image, { x: 0, y: 1, width: 4, height: 1 }); // n = 3: one row before, two after
    expect(wide.side).toBe(4);
    expect(px(wide, 3, 0)).toEqual([0, 0, 0]);
    expect(px(wide, 3, 1)).toEqual([13, 113, 213]);
    expect(px(wide, 0, 2)).toEqual([0, 0, 0]);
  });

  it('reads zeros where the rectangle leaves the image, as on a zero-padded image', () => {
    const c = squareCrop(image, { x: -1, y: -1, width: 3, height: 3 });
    expect(px(c, 0, 0)).toEqual([0, 0, 0]);
    expect(px(c, 2, 0)).toEqual([0, 0, 0]);
    expect(px(c, 1, 1)).toEqual([0, 100, 200]);
    expect(px(c, 2, 2)).toEqual([11, 111, 211]);
    expect([...squareCrop(image, { x: 10, y: 0, width: 2, height: 2 }).data].every((v) => v === 0)).toBe(true);
  });
});

describe('detectionPad', () => {
  const cfg = (o: Partial<DetectorConfig>) => detectorSchema.parse(o);
  it('pads tight crops up to 40 % where the detector input has room (ssd, tiny), else borderPad', () => {
    expect(detectionPad(250, 250, cfg({ model: 'ssd' }))).toBe(100);
    expect(detectionPad(1280, 720, cfg({ model: 'ssd' }))).toBe(256);
    expect(detectionPad(1280, 720, cfg({ model: 'ssd', borderPad: 0 }))).toBe(0);
    expect(detectionPad(200, 150, cfg({ model: 'tiny', inputSize: 320 }))).toBe(60);
  });
  it('faceboxes: photos below 640 px padded like ssd, camera frames (VGA and up) never: padding costs it time', () => {
    expect(detectionPad(250, 250, cfg({ model: 'faceboxes' }))).toBe(100);
    expect(detectionPad(639, 400, cfg({ model: 'faceboxes' }))).toBe(128);
    expect(detectionPad(640, 360, cfg({ model: 'faceboxes' }))).toBe(0);
    expect(detectionPad(1280, 720, cfg({ model: 'faceboxes', borderPad: 0.3 }))).toBe(0);
  });
});
