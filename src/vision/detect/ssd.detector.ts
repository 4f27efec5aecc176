import { scoreThresholdOf, type DetectorConfig } from '../../config/schema.js';
import { requireFaceApiModel } from '../../engine/models.js';
import type { FaceApi, Tensor3D } from '../../engine/tf.js';
import type { Detection } from '../types.js';
import type { FaceDetector } from './face.detector.js';
import { newSsdMobilenetv1, type SsdMobilenetv1Net } from './face-api.nets.js';
import { ssdDetections, type SsdOptions } from './postprocess.js';

/** face-api's SSD network input side (it always resizes to 512x512). */
export const SSD_INPUT_SIZE = 512;
/** face-api's fixed NMS IoU threshold for SSD MobileNet v1. */
export const SSD_IOU_THRESHOLD = 0.5;

/**
 * SSD MobileNet v1 with face-api's weights and forward pass, and our own post-processing: the network
 * output is read with awaited `data()` only (no dataSync/arraySync), so it runs on every TF.js backend,
 * webgpu in Node included. Gives the same boxes as face-api's `locateFaces`.
 */
export class SsdMobilenetDetector implements FaceDetector {
  readonly name = 'ssd' as const;

  private constructor(private readonly net: SsdMobilenetv1Net, readonly options: SsdOptions) {}

  static async load(faceapi: FaceApi, modelDir: string, cfg: Pick<DetectorConfig, 'scoreThreshold' | 'maxFaces'>): Promise<SsdMobilenetDetector> {
    requireFaceApiModel(modelDir, 'ssd_mobilenetv1_model');
    const net = newSsdMobilenetv1(faceapi);
    await net.loadFromDisk(modelDir);
    return new SsdMobilenetDetector(net, { scoreThreshold: scoreThresholdOf({ model: 'ssd', scoreThreshold: cfg.scoreThreshold }), maxResults: cfg.maxFaces, iouThreshold: SSD_IOU_THRESHOLD });
  }

  async detect(image: Tensor3D): Promise<Detection[]> {
    return (await this.detectBatch([image]))[0]!;
  }

  async detectBatch(images: Tensor3D[]): Promise<Detection[][]> {
    if (images.length === 0) return [];
    const { boxes, scores } = await this.net.forward(images.length === 1 ? images[0]! : images);
    try {
      return await Promise.all(images.map(async (image, i) => {
        const [b, s] = await Promise.all([boxes[i]!.data(), scores[i]!.data()]);
        return ssdDetections(b, s, { width: image.shape[1], height: image.shape[0] }, SSD_INPUT_SIZE, this.options);
      }));
    } finally {
      for (const t of boxes) t.dispose();
      for (const t of scores) t.dispose();
    }
  }

  dispose(): void { this.net.dispose(); }
}
