import type { Point } from './similarity.js';

/**
 * dlib's mean face shape for landmarks 17..67 (dlib/image_transforms/interpolation.h,
 * get_face_chip_details); the ResNet-34 face descriptor was trained on chips made from it.
 */
const dlibMeanX = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
  0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
  0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
  0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
  0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
  0.553364, 0.490127, 0.42689,
];
const dlibMeanY = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
  0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
  0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
  0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
  0.784792, 0.824182, 0.831803, 0.824182,
];

/** Landmark indices dlib uses: 27..67 without the eyebrows (17-26) and the lower lip (55-59, 65-67). */
export const dlibLandmarkIndices: readonly number[] = Array.from({ length: 68 - 17 }, (_, k) => k + 17)
  .filter((i) => !(i >= 17 && i <= 26) && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67));

/** Chip coordinates of the dlib template points for a chip of `size` pixels with `padding`. */
export function dlibChipPoints(size: number, padding: number): Point[] {
  return dlibLandmarkIndices.map((i) => [
    ((padding + dlibMeanX[i - 17]!) / (2 * padding + 1)) * size,
    ((padding + dlibMeanY[i - 17]!) / (2 * padding + 1)) * size,
  ]);
}

/** ArcFace/InsightFace 5-point template for 112x112 chips: eyes (image left, right), nose tip, mouth corners. */
export const arcfaceTemplate112: readonly Point[] = [
  [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
];
