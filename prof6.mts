import { createTestEngine } from './test/helpers/engine.js';
const e: any = await createTestEngine();
const tf = e.tf;
const img = await e.decode('/tmp/crowd/f08.jpg');
for (let i=0;i<3;i++){
  const t0=performance.now();
  const t = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
  const t1=performance.now();
  const prof = await tf.profile(async () => { await e.detector.detect(t); return null; });
  const t2=performance.now();
  const agg = new Map<string, number>();
  for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log('tensor3d', (t1-t0).toFixed(1), 'detect', (t2-t1).toFixed(1), [...agg].sort((a,b)=>b[1]-a[1]).slice(0,8).map(([k,v])=>k+':'+v.toFixed(1)).join(' '));
  t.dispose();
}
// decode timing
for (let i=0;i<3;i++){ const t0=performance.now(); await e.decode('/tmp/crowd/f08.jpg'); console.log('decode', (performance.now()-t0).toFixed(1)); }
e.close();
