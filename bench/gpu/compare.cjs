// Compare the GPU check's webgpu run against its wasm run; print a markdown table; exit 1 when
// any embedding differs (cosine < 0.999) or the face counts disagree.
const fs = require('node:fs');
const [wasmFile, gpuFile] = process.argv.slice(2);
const wasm = JSON.parse(fs.readFileSync(wasmFile, 'utf8'));
const gpu = JSON.parse(fs.readFileSync(gpuFile, 'utf8'));
const cos = (a, b) => { let d = 0, x = 0, y = 0; for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; x += a[i] * a[i]; y += b[i] * b[i]; } return d / Math.sqrt(x * y); };
let ok = true;
const lines = [];
lines.push(`GPU check: ${gpu.tfBackend} vs ${wasm.tfBackend} on the same machine, real photos`, '');
lines.push('| model | images | faces (wasm / webgpu) | min cosine | median cosine | verdict |', '|---|---|---|---|---|---|');
for (const model of ['resnet34', 'mobileface']) {
  const a = wasm[model], b = gpu[model];
  const sims = []; let fa = 0, fb = 0;
  a.images.forEach((img, i) => {
    const other = b.images[i];
    fa += img.faces.length; fb += other.faces.length;
    img.faces.forEach((f) => {
      // match by box centre: the same face in both runs
      const c = [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
      const g = other.faces.find((o) => Math.abs(o.box.x + o.box.width / 2 - c[0]) < f.box.width / 4 && Math.abs(o.box.y + o.box.height / 2 - c[1]) < f.box.height / 4);
      if (f.embedding && g && g.embedding) sims.push(cos(f.embedding, g.embedding));
    });
  });
  sims.sort((x, y) => x - y);
  const min = sims[0], med = sims[Math.floor(sims.length / 2)];
  const pass = fa === fb && sims.length > 0 && min >= 0.999;
  ok = ok && pass;
  lines.push(`| ${a.modelId} | ${a.images.length} | ${fa} / ${fb} | ${min?.toFixed(6)} | ${med?.toFixed(6)} | ${pass ? 'PASS' : 'FAIL'} |`);
}
lines.push('', '| model | batch | wasm ms | webgpu ms | wasm faces/s | webgpu faces/s | speed-up |', '|---|---|---|---|---|---|---|');
for (const model of ['resnet34', 'mobileface']) {
  const sizes = [...new Set([...Object.keys(wasm[model].batchMs), ...Object.keys(gpu[model].batchMs)])].map(Number).sort((x, y) => x - y);
  for (const bs of sizes) {
    const ms = wasm[model].batchMs[bs], g = gpu[model].batchMs[bs];
    const f = (v, fn) => (v === undefined ? '-' : fn(v));
    lines.push(`| ${model} | ${bs} | ${f(ms, (v) => v.toFixed(1))} | ${f(g, (v) => v.toFixed(1))} | ${f(ms, (v) => (bs / v * 1000).toFixed(0))} | ${f(g, (v) => (bs / v * 1000).toFixed(0))} | ${ms !== undefined && g !== undefined ? (ms / g).toFixed(1) + 'x' : '-'} |`);
  }
}
lines.push('', '| model | backend | detect | landmarks | align | embed | end-to-end ms per image (median over images) |', '|---|---|---|---|---|---|---|');
for (const model of ['resnet34', 'mobileface']) {
  for (const [name, r] of [['wasm', wasm], ['webgpu', gpu]]) {
    const s = r[model].stageMedianMsPerImage;
    lines.push(`| ${model} | ${name} | ${s.detect.toFixed(1)} | ${s.landmarks.toFixed(1)} | ${s.align.toFixed(1)} | ${s.embed.toFixed(1)} | ${s.total.toFixed(1)} |`);
  }
}
console.log(lines.join('\n'));
process.exit(ok ? 0 : 1);
