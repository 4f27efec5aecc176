import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/engine/backend.js';
import { imageTensor } from '../../src/engine/image-tensor.js';
import { seededRandom } from '../../src/common/random.js';

/** Concat of flat row-major arrays along `axis`, in plain JS (the reference). */
function reference(parts: { values: number[]; shape: number[] }[], axis: number): number[] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const outer = size(parts[0]!.shape.slice(0, axis));
  const out: number[] = [];
  for (let b = 0; b < outer; b++) {
    for (const p of parts) {
      const d = size(p.shape.slice(axis));
      out.push(...p.values.slice(b * d, (b + 1) * d));
    }
  }
  return out;
}

describe('wasm Concat (installed by loadBackend: equal runs through Transpose, short runs copied)', () => {
  it('gives the values of a plain concat for every axis, dtype and run length, and leaves other cases to the original kernel', async () => {
    const { tf } = await loadBackend('wasm');
    expect((tf.getKernel('Concat', 'wasm') as { fastConcat?: boolean }).fastConcat).toBe(true);
    const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const idsBefore = dataIds();
    const rnd = seededRandom(7);
    let cases = 0;
    for (let trial = 0; trial < 90; trial++) {
      const rank = 1 + Math.floor(rnd() * 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(rnd() * 5));
      const axis = Math.floor(rnd() * rank);
      const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3]!;
      // every fifth trial (each dtype in turn): all parts the same size along the axis (the Transpose path)
      const same = 1 + Math.floor(rnd() * (trial % 2 ? 40 : 4));
      const parts = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => {
        const s = [...shape];
        s[axis] = trial % 5 === 1 ? same : 1 + Math.floor(rnd() * (trial % 4 === 0 ? 40 : 4)); // some runs longer than SHORT_RUN
        const n = s.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, () => (dtype === 'bool' ? (rnd() < 0.5 ? 1 : 0) : dtype === 'int32' ? Math.floor(rnd() * 1000) - 500 : Math.fround(rnd() * 100 - 50)));
        return { values, shape: s };
      });
      const tensors = parts.map((p) => tf.tensor(p.values, p.shape, dtype));
      const joined = tf.concat(tensors, trial % 2 ? axis - rank : axis);
      expect(joined.dtype).toBe(dtype);
      expect([...await joined.data()].map(Number)).toEqual(reference(parts, axis));
      for (const t of [...tensors, joined]) t.dispose();
      cases++;
    }
    expect(cases).toBe(90);
    // FaceBoxes' CReLU on a 1280x720 frame: two [1, 192, 320, 24] joined on channels
    const a = tf.randomNormal([1, 192, 320, 24]), neg = tf.neg(a);
    const crelu = tf.concat([a, neg], 3);
    const [av, cv] = [await a.data(), await crelu.data()];
    let wrong = 0;
    for (let p = 0; p < 192 * 320; p++) for (let c = 0; c < 24; c++) if (cv[p * 48 + c] !== av[p * 24 + c] || cv[p * 48 + 24 + c] !== -av[p * 24 + c]!) wrong++;
    expect(wrong).toBe(0);
    for (const t of [a, neg, crelu]) t.dispose();
    // no buffer left behind on the heap (the Transpose path's intermediate is freed)
    expect(dataIds()).toBe(idsBefore);
    // face-api's normalize(): [n, h, w, 1] fills joined on the last axis
    const fills = [1, 2, 3].map((v) => tf.fill([2, 3, 4, 1], v));
    const rgb = tf.concat(fills, 3);
    expect([...await rgb.data()]).toEqual(Array.from({ length: 24 }, () => [1, 2, 3]).flat());
    // strings and single inputs: the original kernel
    const s = tf.concat([tf.tensor(['a', 'b'], [1, 2]), tf.tensor(['c'], [1, 1])], 1);
    expect(await s.array()).toEqual([['a', 'b', 'c']]);
    const one = tf.concat([tf.tensor([1, 2], [1, 2])], 1);
    expect(await one.array()).toEqual([[1, 2]]);
    for (const t of [...fills, rgb, s, one]) t.dispose();
  });
});

describe('imageTensor on wasm (bytes written into the heap)', () => {
  it('holds the same values as tf.tensor3d, is freed on dispose, and refuses a wrong byte count', async () => {
    const { tf } = await loadBackend('wasm');
    const rnd = seededRandom(3);
    const image = { width: 37, height: 23, data: Uint8Array.from({ length: 37 * 23 * 3 }, () => Math.floor(rnd() * 256)) };
    const reference = tf.tensor3d(image.data, [23, 37, 3], 'int32');
    const before = tf.memory();
    for (let i = 0; i < 20; i++) {
      const t = imageTensor(tf, image);
      expect(t.shape).toEqual([23, 37, 3]);
      expect(t.dtype).toBe('int32');
      expect([...await t.data()]).toEqual([...await reference.data()]);
      // usable by kernels like any tensor
      const sum = tf.sum(t);
      expect([...await sum.data()]).toEqual([image.data.reduce((a, b) => a + b, 0)]);
      sum.dispose();
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    reference.dispose();
    expect(() => imageTensor(tf, { width: 4, height: 4, data: new Uint8Array(10) })).toThrow(/expected 4x4x3/);
  });
});
