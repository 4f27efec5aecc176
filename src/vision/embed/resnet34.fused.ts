import type * as tfjs from '@tensorflow/tfjs';
import type { TF } from '../../engine/tf.js';

/** face-api's FaceRecognitionNet parameters (its NetParams): conv + bias, then a per-channel scale layer. */
interface ConvLayerParams { conv: { filters: tfjs.Tensor4D; bias: tfjs.Tensor1D }; scale: { weights: tfjs.Tensor1D; biases: tfjs.Tensor1D } }
interface ResidualParams { conv1: ConvLayerParams; conv2: ConvLayerParams }
export interface ResNet34Params {
  conv32_down: ConvLayerParams;
  conv32_1: ResidualParams; conv32_2: ResidualParams; conv32_3: ResidualParams;
  conv64_down: ResidualParams; conv64_1: ResidualParams; conv64_2: ResidualParams; conv64_3: ResidualParams;
  conv128_down: ResidualParams; conv128_1: ResidualParams; conv128_2: ResidualParams;
  conv256_down: ResidualParams; conv256_1: ResidualParams; conv256_2: ResidualParams; conv256_down_out: ResidualParams;
  fc: tfjs.Tensor2D;
}

/** One convolution with its bias and scale layer folded in: conv(x, W·s) + (b·s + sb). */
interface Folded { filter: tfjs.Tensor4D; bias: tfjs.Tensor1D }
interface FoldedResidual { conv1: Folded; conv2: Folded }

/** face-api's input normalisation: (x - meanRgb) / 255. */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

const residualNames = ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3', 'conv128_down', 'conv128_1', 'conv128_2', 'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out'] as const;
type ResidualName = (typeof residualNames)[number];

/**
 * The forward pass of face-api's FaceRecognitionNet (dlib's ResNet-34) with the same weights,
 * as fused convolutions. face-api runs every convolution as conv2d, then add(bias), mul(scale),
 * add(scale bias) and relu: four more passes over every activation. Here each scale layer and bias
 * is folded into the convolution's filters and one bias once at load (W·s, b·s + sb), the relu
 * runs inside the convolution, and the input normalisation ((x - mean) / 255) is folded into the
 * first convolution (a 'valid' one, so the fold is exact). The residual sums, pooling and the
 * final mean and fully connected layer are face-api's. Same embeddings up to float rounding
 * (test: engine-models). On wasm ~10 % less time per face
 * (docs/benchmarks/pipeline.md#what-the-engine-does-on-a-cpu).
 */
export class FusedResNet34 {
  private constructor(
    private readonly tf: TF,
    private readonly first: Folded,
    private readonly layers: Record<ResidualName, FoldedResidual>,
    private readonly fc: tfjs.Tensor2D,
  ) {}

  static fold(tf: TF, params: ResNet34Params): FusedResNet34 {
    const foldLayer = (p: ConvLayerParams): Folded => tf.tidy(() => ({
      filter: tf.mul(p.conv.filters, p.scale.weights) as tfjs.Tensor4D,
      bias: tf.add(tf.mul(p.conv.bias, p.scale.weights), p.scale.biases) as tfjs.Tensor1D,
    }));
    const first = tf.tidy(() => {
      const f = foldLayer(params.conv32_down);
      // conv((x - m) / 255, W) + b = conv(x, W / 255) + (b - Σ m_c · W[.., c, o] / 255)
      const filter = tf.div(f.filter, 255) as tfjs.Tensor4D;
      const meanTerm = tf.sum(tf.mul(filter, tf.reshape(tf.tensor1d([...MEAN_RGB]), [1, 1, 3, 1])), [0, 1, 2]);
      return { filter, bias: tf.sub(f.bias, meanTerm) as tfjs.Tensor1D };
    });
    const layers = Object.fromEntries(residualNames.map((name) => {
      const p = params[name];
      return [name, { conv1: foldLayer(p.conv1), conv2: foldLayer(p.conv2) }];
    })) as Record<ResidualName, FoldedResidual>;
    return new FusedResNet34(tf, first, layers, tf.clone(params.fc));
  }

  /** [n, 150, 150, 3] RGB 0-255 → [n, 128] (not normalised), as face-api's forwardInput. */
  forward(batch: tfjs.Tensor4D): tfjs.Tensor2D {
    const tf = this.tf;
    return tf.tidy(() => {
      const conv = (x: tfjs.Tensor4D, f: Folded, stride: 1 | 2, pad: 'same' | 'valid', relu: boolean) =>
        tf.fused.conv2d({ x, filter: f.filter, strides: stride, pad, bias: f.bias, activation: relu ? 'relu' : 'linear' }) as tfjs.Tensor4D;
      const residual = (x: tfjs.Tensor4D, p: FoldedResidual) => tf.relu(tf.add(conv(conv(x, p.conv1, 1, 'same', true), p.conv2, 1, 'same', false), x)) as tfjs.Tensor4D;
      const residualDown = (x: tfjs.Tensor4D, p: FoldedResidual) => {
        let out = conv(conv(x, p.conv1, 2, 'valid', true), p.conv2, 1, 'same', false);
        let pooled = tf.avgPool(x, 2, 2, 'valid') as tfjs.Tensor4D;
        // face-api pads the convolution's output with a row and a column of zeros when the pooled shape differs
        if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) out = tf.pad(out, [[0, 0], [0, 1], [0, 1], [0, 0]]);
        // and the pooled input with zero channels up to the output's
        if (pooled.shape[3] !== out.shape[3]) pooled = tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, out.shape[3] - pooled.shape[3]]]);
        return tf.relu(tf.add(pooled, out)) as tfjs.Tensor4D;
      };
      const L = this.layers;
      let out = conv(batch, this.first, 2, 'valid', true);
      out = tf.maxPool(out, 3, 2, 'valid');
      out = residual(residual(residual(out, L.conv32_1), L.conv32_2), L.conv32_3);
      out = residual(residual(residual(residualDown(out, L.conv64_down), L.conv64_1), L.conv64_2), L.conv64_3);
      out = residual(residual(residualDown(out, L.conv128_down), L.conv128_1), L.conv128_2);
      out = residualDown(residual(residual(residualDown(out, L.conv256_down), L.conv256_1), L.conv256_2), L.conv256_down_out);
      return tf.matMul(tf.mean(out, [1, 2]) as tfjs.Tensor2D, this.fc);
    });
  }

  dispose(): void {
    const all = [this.first, ...Object.values(this.layers).flatMap((l) => [l.conv1, l.conv2])];
    for (const f of all) { f.filter.dispose(); f.bias.dispose(); }
    this.fc.dispose();
  }
}
