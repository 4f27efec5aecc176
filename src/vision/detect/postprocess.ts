import type { Box, Detection } from '../types.js';

/**
 * Post-processing of face-api's detector networks, as plain functions over the flat arrays that an
 * awaited `tensor.data()` returns. They reproduce @vladmandic/face-api 1.7's own decoding and
 * non-maximum suppression step for step (same comparisons, same tie order), so on the same network
 * outputs the detections are the same; what changes is that nothing reads a tensor synchronously.
 */

export interface Size { width: number; height: number }

/**
 * face-api's computeReshapedDimensions: the size the image has inside the square network input.
 * face-api pads the shorter side at the bottom/right to a square, then resizes to `inputSize`.
 */
export function reshapedSize({ width, height }: Size, inputSize: number): Size {
  const scale = inputSize / Math.max(height, width);
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// ---------------------------------------------------------------------------------------------
// SSD MobileNet v1: the network decodes its anchor boxes itself (face-api's outputLayer: centre/size
// offsets scaled 1/10 and 1/5 against the prior boxes, sigmoid class scores). Its outputs are
// `boxes` [numBoxes, 4] as relative corners [top, left, bottom, right] and `scores` [numBoxes].
// ---------------------------------------------------------------------------------------------

export interface SsdOptions {
  /** Scores must be strictly above this (face-api's minConfidence). */
  scoreThreshold: number;
  /** A candidate is suppressed when its IoU with a kept box is above this (face-api: 0.5). */
  iouThreshold: number;
  /** At most this many boxes (face-api's maxResults). */
  maxResults: number;
}

/** IoU of the corner boxes i and j of a flat [n, 4] array; corners in either order, empty boxes give 0. */
export function cornerIou(boxes: ArrayLike<number>, i: number, j: number): number {
  const a = 4 * i, b = 4 * j;
  const yminI = Math.min(boxes[a]!, boxes[a + 2]!), xminI = Math.min(boxes[a + 1]!, boxes[a + 3]!);
  const ymaxI = Math.max(boxes[a]!, boxes[a + 2]!), xmaxI = Math.max(boxes[a + 1]!, boxes[a + 3]!);
  const yminJ = Math.min(boxes[b]!, boxes[b + 2]!), xminJ = Math.min(boxes[b + 1]!, boxes[b + 3]!);
  const ymaxJ = Math.max(boxes[b]!, boxes[b + 2]!), xmaxJ = Math.max(boxes[b + 1]!, boxes[b + 3]!);
  const areaI = (ymaxI - yminI) * (xmaxI - xminI);
  const areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const inter = Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0) * Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0);
  return inter / (areaI + areaJ - inter);
}

/**
 * Greedy NMS over SSD's flat corner boxes: candidates above the score threshold, highest score first
 * (ties keep index order), kept unless they overlap a kept box by more than the IoU threshold.
 * Returns the kept indices, best first.
 */
export function ssdNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, o: SsdOptions): number[] {
  const numBoxes = Math.floor(boxes.length / 4);
  const outputSize = Math.min(o.maxResults, numBoxes);
  const candidates: number[] = [];
  for (let i = 0; i < numBoxes; i++) if (scores[i]! > o.scoreThreshold) candidates.push(i);
  candidates.sort((p, q) => scores[q]! - scores[p]!); // Array.prototype.sort is stable: ties keep index order
  const selected: number[] = [];
  for (const c of candidates) {
    if (selected.length >= outputSize) break;
    let keep = true;
    for (let j = selected.length - 1; j >= 0; --j) {
      const overlap = cornerIou(boxes, c, selected[j]!);
      if (overlap === 0) continue;
      if (!(overlap <= o.iouThreshold)) { keep = false; break; }
    }
    if (keep) selected.push(c);
  }
  return selected;
}

/**
 * SSD outputs to detections in the pixel coordinates of the image that was fed to the network
 * (`image`, before face-api's pad-to-square and resize to `inputSize`).
 */
export function ssdDetections(boxes: ArrayLike<number>, scores: ArrayLike<number>, image: Size, inputSize: number, o: SsdOptions): Detection[] {
  const reshaped = reshapedSize(image, inputSize);
  const padX = inputSize / reshaped.width;
  const padY = inputSize / reshaped.height;
  const out: Detection[] = [];
  for (const i of ssdNms(boxes, scores, o)) {
    const top = Math.max(0, boxes[4 * i]!) * padY;
    const bottom = Math.min(1, boxes[4 * i + 2]!) * padY;
    const left = Math.max(0, boxes[4 * i + 1]!) * padX;
    const right = Math.min(1, boxes[4 * i + 3]!) * padX;
    // face-api throws on such boxes (negative size after clamping); they are no faces
    if (!(right - left > 0 && bottom - top > 0)) continue;
    out.push({
      score: scores[i]!,
      box: { x: left * image.width, y: top * image.height, width: (right - left) * image.width, height: (bottom - top) * image.height },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tiny Face Detector (Tiny YOLO v2 layout): output [numCells, numCells, numAnchors * 5], per anchor
// (tx, ty, tw, th, objectness); one class, so no class scores. Decoded as YOLO v2:
// centre = (cell + sigmoid(t)) / numCells, size = exp(t) * anchor / numCells, score = sigmoid(objectness).
// ---------------------------------------------------------------------------------------------

export interface Anchor { x: number; y: number }

/** A decoded Tiny YOLO box relative to the image (0..1 where it lies inside), and its score. */
export interface RelativeDetection { box: Box; score: number }

/**
 * Decode the raw Tiny YOLO output (flat, row-major [numCells, numCells, anchors.length, 5]) for an image
 * of size `reshaped` inside the square network input. Keeps boxes whose score is above `scoreThreshold`,
 * in cell-major order, like face-api.
 */
export function decodeTinyYolo(out: ArrayLike<number>, numCells: number, anchors: readonly Anchor[], reshaped: Size, scoreThreshold: number): RelativeDetection[] {
  const numAnchors = anchors.length;
  const stride = 5;
  if (out.length !== numCells * numCells * numAnchors * stride) {
    throw new Error(`Tiny YOLO output has ${out.length} values, expected ${numCells}x${numCells}x${numAnchors}x${stride}`);
  }
  const inputSize = Math.max(reshaped.width, reshaped.height);
  const fx = inputSize / reshaped.width;
  const fy = inputSize / reshaped.height;
  const found: RelativeDetection[] = [];
  for (let row = 0; row < numCells; row++) {
    for (let col = 0; col < numCells; col++) {
      for (let a = 0; a < numAnchors; a++) {
        const k = ((row * numCells + col) * numAnchors + a) * stride;
        const score = sigmoid(out[k + 4]!);
        if (scoreThreshold && !(score > scoreThreshold)) continue;
        const ctX = ((col + sigmoid(out[k]!)) / numCells) * fx;
        const ctY = ((row + sigmoid(out[k + 1]!)) / numCells) * fy;
        const w = ((Math.exp(out[k + 2]!) * anchors[a]!.x) / numCells) * fx;
        const h = ((Math.exp(out[k + 3]!) * anchors[a]!.y) / numCells) * fy;
        const x = ctX - w / 2;
        const y = ctY - h / 2;
        // face-api keeps the corners (x, y, x + w, y + h); width is recovered from them
        found.push({ score, box: { x, y, width: (x + w) - x, height: (y + h) - y } });
      }
    }
  }
  return found;
}

/** IoU of two x/y/width/height boxes (0 when they do not overlap). */
export function rectIou(p: Box, q: Box): number {
  const w = Math.max(0, Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x));
  const h = Math.max(0, Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y));
  const inter = w * h;
  return inter / (p.width * p.height + q.width * q.height - inter);
}

/**
 * face-api's Tiny YOLO NMS: repeatedly take the best remaining box (on equal scores, the later one)
 * and drop every remaining box overlapping it by more than `iouThreshold`. Returns indices, best first.
 */
export function tinyNms(boxes: readonly Box[], scores: readonly number[], iouThreshold: number): number[] {
  let order = scores.map((score, i) => ({ score, i })).sort((p, q) => p.score - q.score).map((c) => c.i);
  const pick: number[] = [];
  while (order.length > 0) {
    const curr = order.pop()!;
    pick.push(curr);
    order = order.filter((i) => rectIou(boxes[curr]!, boxes[i]!) <= iouThreshold);
  }
  return pick;
}

/**
 * Tiny YOLO outputs to detections in the pixel coordinates of the image fed to the network.
 * NMS runs on boxes scaled to the network input, as face-api does (IoU is scale-free up to rounding).
 */
export function tinyDetections(out: ArrayLike<number>, numCells: number, anchors: readonly Anchor[], image: Size, inputSize: number, scoreThreshold: number, iouThreshold: number): Detection[] {
  const found = decodeTinyYolo(out, numCells, anchors, reshapedSize(image, inputSize), scoreThreshold);
  const scaled = found.map(({ box: b }) => ({ x: b.x * inputSize, y: b.y * inputSize, width: b.width * inputSize, height: b.height * inputSize }));
  return tinyNms(scaled, found.map((f) => f.score), iouThreshold).map((i) => {
    const { box: b, score } = found[i]!;
    return { score, box: { x: b.x * image.width, y: b.y * image.height, width: b.width * image.width, height: b.height * image.height } };
  });
}
